"""Page → ticker entries. Pure: no IO, no clock.

HTML is first rendered to the text a reader sees; text/plain goes straight to the search.
"""

from __future__ import annotations

import re

from tickerwatch.errors import ParseError
from tickerwatch.model import Ticker
from tickerwatch.parse.formats import BUILTIN, compile_pattern
from tickerwatch.parse.html import html_to_text, normalize_text
from tickerwatch.parse.locate import ticker_regions
from tickerwatch.parse.ticker import find_ticker

__all__ = ["BUILTIN", "compile_pattern", "looks_like_html", "page_text", "parse_text"]


def looks_like_html(content_type: str, body: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    if media in {"text/html", "application/xhtml+xml"}:
        return True
    if media in {"text/plain", "text/markdown"}:
        return False
    return body.lstrip()[:1] == "<"


def page_text(body: str, content_type: str = "") -> str:
    """The text a reader sees of a page body."""
    if looks_like_html(content_type, body):
        return html_to_text(body)
    return normalize_text(body)


def parse_text(
    body: str,
    content_type: str,
    entry_pattern: re.Pattern[str],
    quotes: frozenset[str] = frozenset(),
) -> Ticker:
    """Find the ticker of a page body; raises ParseError (no_ticker) when there is none.

    The built-in formats need two adjacent entries; a custom pattern is specific enough to
    accept one. With the quote currencies known, HTML is searched region by region first
    (see locate.py); the whole page is rendered only when that finds nothing."""
    builtin = entry_pattern in BUILTIN.values()
    min_entries = 2 if builtin else 1
    if builtin and quotes and looks_like_html(content_type, body):
        found = _in_regions(body, entry_pattern, quotes)
        if found is not None:
            return found
    return find_ticker(page_text(body, content_type), entry_pattern, min_entries)


def _in_regions(body: str, pattern: re.Pattern[str], quotes: frozenset[str]) -> Ticker | None:
    best: Ticker | None = None
    for start, end in ticker_regions(body, quotes):
        try:
            ticker = find_ticker(html_to_text(body[start:end]), pattern)
        except ParseError:
            continue
        if best is None or len(ticker.entries) > len(best.entries):
            best = ticker
    return best
