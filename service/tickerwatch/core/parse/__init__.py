"""Page → ticker entries. Pure: no IO, no clock.

HTML is first rendered to the text a reader sees; text/plain goes straight to the search.
"""

from __future__ import annotations

import hashlib

from tickerwatch.core.errors import ParseError
from tickerwatch.core.model import Ticker
from tickerwatch.core.parse.formats import BUILTIN, EntryPattern, Widget, compile_pattern
from tickerwatch.core.parse.html import html_to_text, normalize_text
from tickerwatch.core.parse.locate import ticker_regions
from tickerwatch.core.parse.number import DecimalMark
from tickerwatch.core.parse.ticker import find_ticker

__all__ = [
    "BUILTIN",
    "DecimalMark",
    "ReadKey",
    "Widget",
    "compile_pattern",
    "looks_like_html",
    "page_text",
    "parse_changed",
    "parse_text",
]


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
    entry_pattern: EntryPattern,
    quotes: frozenset[str] = frozenset(),
    decimal_mark: DecimalMark | None = None,
    widget: Widget | None = None,
) -> Ticker:
    """Find the ticker of a page body; raises ParseError (no_ticker) when there is none.

    The built-in formats need two adjacent entries; a custom pattern is specific enough to
    accept one. With the quote currencies known, HTML is searched region by region first
    (see locate.py); the whole page is rendered only when that finds nothing.
    `decimal_mark` decides numbers such as `12,650` (see parse/number.py); without it the
    ticker's other numbers do. `widget`: a custom pattern's fixed codes and change unit."""
    ticker = parse_changed(body, content_type, entry_pattern, quotes, None, decimal_mark, widget)[1]
    assert ticker is not None  # nothing to compare with: always parsed
    return ticker


ReadKey = tuple[object, ...]


def parse_changed(
    body: str,
    content_type: str,
    entry_pattern: EntryPattern,
    quotes: frozenset[str],
    last_key: ReadKey | None,
    decimal_mark: DecimalMark | None = None,
    widget: Widget | None = None,
) -> tuple[ReadKey, Ticker | None]:
    """parse_text, skipped when the bytes the ticker is read from are the ones `last_key`
    stands for. Returns the key of this page and its ticker, or None in place of the
    ticker when nothing it is read from changed.

    The key is the raw HTML of the regions when the ticker was found there (a live page
    changes everywhere but its ticker, and then nothing is rendered again), else a digest of
    the whole body; either way with the pattern, quotes and decimal mark, which a reload may
    change."""
    builtin = entry_pattern in BUILTIN.values()
    if builtin and quotes and looks_like_html(content_type, body):
        regions = tuple(body[start:end] for start, end in ticker_regions(body, quotes))
        key: ReadKey = (entry_pattern, quotes, decimal_mark, regions)
        if key == last_key:
            return key, None
        found = _in_regions(regions, entry_pattern, decimal_mark)
        if found is not None and not _decided_by_others(found):
            return key, found
    digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).digest()
    key = (entry_pattern, quotes, decimal_mark, widget, digest)
    if key == last_key:
        return key, None
    text = page_text(body, content_type)
    return key, find_ticker(text, entry_pattern, 2 if builtin else 1, decimal_mark, widget)


def _in_regions(
    regions: tuple[str, ...], pattern: EntryPattern, decimal_mark: DecimalMark | None
) -> Ticker | None:
    best: Ticker | None = None
    for region in regions:
        try:
            ticker = find_ticker(html_to_text(region), pattern, decimal_mark=decimal_mark)
        except ParseError:
            continue
        if best is None or _size(ticker) > _size(best):
            best = ticker
    return best


def _decided_by_others(ticker: Ticker) -> bool:
    """A `12,650` read, or refused, by what the other numbers show: a region may hold only
    part of the ticker, so the whole page decides, as the full reading does."""
    return ticker.hinted or any(u.reason == "ambiguous" for u in ticker.unreadable)


def _size(ticker: Ticker) -> int:
    return len(ticker.entries) + len(ticker.unreadable)
