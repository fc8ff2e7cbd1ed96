"""Central Bank of Turkmenistan: https://cbt.tm/kurs/YYYY/DDMMYYYY.xml (a dated URL:
`https://cbt.tm/kurs/%Y/%d%m%Y.xml`).

`cbt_currency_rate/date` (DD.MM.YYYY) and `rate[@code]/{rate_tmt, multiplier, rate_usd}`:
`rate_tmt` is TMT per `multiplier` units, 4 decimals with trailing zeros trimmed (USD 3.5
is 3.5000). `rate_usd` is never read: its direction differs from currency to currency.
Sent as UTF-8 without a charset, CRLF line ends. KGS 4.0023 per 100 → KGS/TMT = 0.040023.
"""

from __future__ import annotations

from tickerwatch.core.model import Page, Ticker
from tickerwatch.core.parse import ReadKey
from tickerwatch.core.settings import Extract, Fixed, Source
from tickerwatch.sources.feed import Shape, read_feed

EXTRACT = Extract(
    items="/cbt_currency_rate/rate",
    base="@code",
    quote=Fixed("TMT"),
    rate="rate_tmt",
    nominal="multiplier",
    date="/cbt_currency_rate/date",
    date_from="document",
    date_format="%d.%m.%Y",
    decimals=4,
)
SHAPES = (Shape("xml", EXTRACT, root="cbt_currency_rate", decimal_mark="."),)


def read(page: Page, source: Source, last: ReadKey | None) -> tuple[ReadKey, Ticker | None]:
    return read_feed(page, source, last, SHAPES)
