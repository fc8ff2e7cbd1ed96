"""The reader of HTML and text pages that print a ticker: the built-in formats (`timesca`)
and custom `pattern`s. A reader turns a fetched body into a ticker, or says that nothing it
reads from changed since `last` (the key it returned then)."""

from __future__ import annotations

from tickerwatch.core.model import Page, Ticker
from tickerwatch.core.parse import ReadKey, parse_changed
from tickerwatch.core.settings import Source


def read_ticker(page: Page, source: Source, last: ReadKey | None) -> tuple[ReadKey, Ticker | None]:
    """The ticker of `page` (ParseError with reason no_ticker when there is none), or None
    in its place when the parts it is read from are those `last` stands for."""
    assert page.body is not None  # a 304 is answered from the last reading, not read
    return parse_changed(
        page.body, page.content_type, source.entry_pattern, source.quote_codes, last,
        source.decimal_mark, source.widget,
    )  # fmt: skip
