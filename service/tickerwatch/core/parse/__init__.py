"""Page → ticker entries. Pure: no IO, no clock.

HTML is rendered to the text a reader sees; text/plain goes straight to the search. Only
the regions where entries can be are read (locate.py), unless they hold no ticker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace

from tickerwatch.core.model import Ticker
from tickerwatch.core.parse import locate, regions
from tickerwatch.core.parse.formats import BUILTIN, EntryPattern, Widget, compile_pattern
from tickerwatch.core.parse.html import html_to_text, normalize_text
from tickerwatch.core.parse.literals import required_literal
from tickerwatch.core.parse.number import DecimalMark
from tickerwatch.core.parse.regions import RegionKey
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
    "parse_whole",
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
    accept one. The page is searched region by region first (see locate.py: the places of
    the pairs quoted in `quotes`, of any pair when it is empty, or of a custom pattern's
    literal text); the whole page is read only when that finds nothing.
    `decimal_mark` decides numbers such as `12,650` (see parse/number.py); without it the
    ticker's other numbers do. `widget`: a custom pattern's fixed codes and change unit."""
    ticker = parse_changed(body, content_type, entry_pattern, quotes, None, decimal_mark, widget)[1]
    assert ticker is not None  # nothing to compare with: always parsed
    return ticker


def parse_whole(
    body: str,
    content_type: str,
    entry_pattern: EntryPattern,
    decimal_mark: DecimalMark | None = None,
    widget: Widget | None = None,
) -> Ticker:
    """parse_text without the regions: the whole page rendered and searched. What the
    regions must read alike (tests/unit/test_parse_locate.py); ParseError as parse_text."""
    builtin = entry_pattern in BUILTIN.values()
    text = page_text(body, content_type)
    return find_ticker(text, entry_pattern, 2 if builtin else 1, decimal_mark, widget)


ReadKey = object  # a RegionKey, or how the page is read and a digest of its body


def parse_changed(
    body: str,
    content_type: str,
    entry_pattern: EntryPattern,
    quotes: frozenset[str],
    last_key: ReadKey | None,
    decimal_mark: DecimalMark | None = None,
    widget: Widget | None = None,
) -> tuple[ReadKey, Ticker | None]:
    """parse_text, skipped when what the ticker is read from is what `last_key` stands
    for. Returns the key of this page and its ticker, or None in place of the ticker when
    nothing it is read from changed.

    When the ticker was found in the regions the key stands for their text up to a little
    past the ticker (regions.py: a live page changes everywhere but its ticker, and then
    nothing is read again), else for a digest of the whole body; either way with how the
    page is read, which a reload may change."""
    html = looks_like_html(content_type, body)
    how = (entry_pattern, quotes, decimal_mark, widget, html)
    located = _locator(entry_pattern, quotes)
    if located is not None:
        hits, last_hit = located
        last = last_key if isinstance(last_key, RegionKey) else None
        spans = regions.joined(body, locate.regions(body, hits(body), html), html)
        raw = tuple(body[start:end] for start, end in spans)
        edges = tuple((start == 0, end == len(body)) for start, end in spans)
        if last is not None and (how, raw, edges) == (last.how, last.raw, last.edges):
            return last, None  # the very same regions: nothing to render
        before = regions.Regions.of(body, spans, html)
        if last is not None and last.holds(how, before, last_hit):
            return replace(last, raw=raw), None
        found = regions.read_regions(before, entry_pattern, decimal_mark, widget)
        if found is not None and not _decided_by_others(found[2]):
            read, best, ticker = found
            region_key = regions.region_key(how, before, read, best, ticker, last_hit)
            if region_key is not None:
                return region_key, ticker
            return (*how, "grown"), ticker  # read anew at the next poll
    key = (*how, hashlib.sha256(body.encode("utf-8", "surrogatepass")).digest())
    if key == last_key:
        return key, None
    return key, parse_whole(body, content_type, entry_pattern, decimal_mark, widget)


Hits = Callable[[str], list[locate.Span]]


def _locator(pattern: EntryPattern, quotes: frozenset[str]) -> tuple[Hits, regions.LastHit] | None:
    """Where entries can be in a body, and where the last such place ends in a text; None
    when the page must be read whole (a custom pattern without a literal to look for)."""
    if pattern in BUILTIN.values():
        return (
            lambda body: locate.pair_hits(body, quotes),
            lambda text: max((end for _, end in locate.pair_hits(text, quotes)), default=0),
        )
    literal = required_literal(pattern.pattern)
    if literal is None:
        return None
    return (
        lambda body: locate.literal_hits(body, literal),
        lambda text: text.rfind(literal) + len(literal) if literal in text else 0,
    )


def _decided_by_others(ticker: Ticker) -> bool:
    """A `12,650` read, or refused, by what the other numbers show: a region may hold only
    part of the ticker, so the whole page decides, as the full reading does."""
    return ticker.hinted or any(u.reason == "ambiguous" for u in ticker.unreadable)
