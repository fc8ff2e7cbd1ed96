"""National Bank of the Kyrgyz Republic: https://www.nbkr.kg/XML/daily.xml and weekly.xml.

`CurrencyRates[@Date=DD.MM.YYYY]/Currency[@ISOCode]/{Nominal, Value}` (weekly.xml adds
`ValidFor` and lists 40 currencies, TJS, UZS and TMT among them): KGS per `Nominal` units,
with a decimal comma and always 4 decimals. The XML declares windows-1251 (sent as
`text/xml` without a charset). `USD` 87,4500 → USD/KGS = 87.4500 (resolution 1e-4).
"""

from __future__ import annotations

from tickerwatch.core.model import Page, Ticker
from tickerwatch.core.parse import ReadKey
from tickerwatch.core.settings import Extract, Fixed, Source
from tickerwatch.sources.feed import Shape, read_feed

EXTRACT = Extract(
    items="/CurrencyRates/Currency",
    base="@ISOCode",
    quote=Fixed("KGS"),
    rate="Value",
    nominal="Nominal",
    date="/CurrencyRates/@Date",
    date_from="document",
    date_format="%d.%m.%Y",
    decimals=4,
)
SHAPES = (Shape("xml", EXTRACT, root="CurrencyRates", decimal_mark=","),)


def read(page: Page, source: Source, last: ReadKey | None) -> tuple[ReadKey, Ticker | None]:
    return read_feed(page, source, last, SHAPES)
