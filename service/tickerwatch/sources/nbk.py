"""National Bank of Kazakhstan, both shapes it serves, told apart by the root element:

- https://nationalbank.kz/rss/get_rates.cfm?fdate=DD.MM.YYYY: `rates/date` and
  `rates/item/{title, description, quant, index, change}` — the header has elements named
  like the items' (`title`, `description`), so entries are only `item`s;
- https://nationalbank.kz/rss/rates_all.xml, RSS 2.0:
  `rss/channel/item/{title, pubDate, description, quant, index, change}`, each item dated
  by its `pubDate` (DD.MM.YYYY).

`description` is KZT per `quant` units of the currency `title`, 2 decimals with trailing
zeros trimmed (`179.5`); `change` the absolute change since the day before, in the same
units (`-2.77`). USD 478.77 → USD/KZT = 478.77.
"""

from __future__ import annotations

from tickerwatch.core.model import Page, Ticker
from tickerwatch.core.parse import ReadKey
from tickerwatch.core.settings import Extract, Fixed, Source
from tickerwatch.sources.feed import Shape, read_feed

RATES = Extract(
    items="/rates/item",
    base="title",
    quote=Fixed("KZT"),
    rate="description",
    nominal="quant",
    change="change",
    date="/rates/date",
    date_from="document",
    date_format="%d.%m.%Y",
    decimals=2,
)
RSS = Extract(
    items="/rss/channel/item",
    base="title",
    quote=Fixed("KZT"),
    rate="description",
    nominal="quant",
    change="change",
    date="pubDate",
    date_format="%d.%m.%Y",
    decimals=2,
)
SHAPES = (
    Shape("xml", RATES, root="rates", decimal_mark="."),
    Shape("xml", RSS, root="rss", decimal_mark="."),
)


def read(page: Page, source: Source, last: ReadKey | None) -> tuple[ReadKey, Ticker | None]:
    return read_feed(page, source, last, SHAPES)
