"""National Bank of Tajikistan:
https://www.nbt.tj/en/kurs/export_xml.php?date=YYYY-MM-DD&export=xmlout (a dated URL:
`…?date=%Y-%m-%d&export=xmlout`).

`ValCurs[@Date=YYYY-MM-DD]/Valute/{CharCode, Nominal, Value}`: TJS per `Nominal` units,
4 decimals. KGS 1.0686 per 10 → KGS/TJS = 0.10686 (resolution 1e-5).
"""

from __future__ import annotations

from tickerwatch.core.model import Page, Ticker
from tickerwatch.core.parse import ReadKey
from tickerwatch.core.settings import Extract, Fixed, Source
from tickerwatch.sources.feed import Shape, read_feed

EXTRACT = Extract(
    items="/ValCurs/Valute",
    base="CharCode",
    quote=Fixed("TJS"),
    rate="Value",
    nominal="Nominal",
    date="/ValCurs/@Date",
    date_from="document",
    date_format="%Y-%m-%d",
    decimals=4,
)
SHAPES = (Shape("xml", EXTRACT, root="ValCurs", decimal_mark="."),)


def read(page: Page, source: Source, last: ReadKey | None) -> tuple[ReadKey, Ticker | None]:
    return read_feed(page, source, last, SHAPES)
