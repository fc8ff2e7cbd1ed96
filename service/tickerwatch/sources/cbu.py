"""Central Bank of Uzbekistan: https://cbu.uz/en/arkhiv-kursov-valyut/json/ (today's),
/json/all/YYYY-MM-DD/ (a day's), and the XML variant (/xml/), told apart by the body.

JSON: an array of `{Ccy, Nominal, Rate, Diff, Date}`, every value a string: UZS per
`Nominal` units, 2 decimals (`12194.21`); `Diff` the absolute change in the same units;
`Date` the effective date (DD.MM.YYYY). USD 12194.21 → USD/UZS = 12194.21.

XML: `CBU_Curr/CcyNtry/{Ccy, Nominal, Rate, date}`. That shape is taken from a public
client's mapping of /xml/ (a recorded body was not at hand); each value is read from a
child element or an attribute of that name, and `Diff` when present.
"""

from __future__ import annotations

from tickerwatch.core.model import Page, Ticker
from tickerwatch.core.parse import ReadKey
from tickerwatch.core.settings import Extract, Fixed, Source
from tickerwatch.sources.feed import Shape, read_feed

JSON = Extract(
    items="@",
    base="Ccy",
    quote=Fixed("UZS"),
    rate="Rate",
    nominal="Nominal",
    change="Diff",
    date="Date",
    date_format="%d.%m.%Y",
    decimals=2,
)
XML = Extract(
    items="/CBU_Curr/CcyNtry",
    base="@Ccy | Ccy",
    quote=Fixed("UZS"),
    rate="@Rate | Rate",
    nominal="@Nominal | Nominal",
    change="@Diff | Diff",
    date="@date | date | @Date | Date",
    date_format="%d.%m.%Y",
    decimals=2,
)
SHAPES = (
    Shape("json", JSON, decimal_mark="."),
    Shape("xml", XML, root="CBU_Curr", decimal_mark="."),
)


def read(page: Page, source: Source, last: ReadKey | None) -> tuple[ReadKey, Ticker | None]:
    return read_feed(page, source, last, SHAPES)
