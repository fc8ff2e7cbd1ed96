"""tickerwatch: watches the currency ticker of news pages and exports it to Prometheus."""

__version__ = "0.1.0"
