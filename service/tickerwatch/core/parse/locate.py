"""Where in a page a ticker can be, found without rendering or scanning all of it.

Every entry of a built-in format names its pair (`KGS/USD`) and, soon after, a percent
sign. The places a pair can be are found by a fixed-string search for each quote currency
when the source's expected pairs give them, else by the pair's shape (the `regex`
library's search, several times faster than `re`'s for a pattern that starts with a
class); a hit counts when a `%` (or its entity) follows within WINDOW characters. A custom
pattern's hits are the places of its longest required literal (literals.py), WINDOW
characters either side.

Hits close together form regions. In HTML a region is cut at tag boundaries, moved out of
script/style/comment bodies and rendered to text on its own; in plain text it is cut at
line boundaries. The caller falls back to reading the whole page when no region holds a
ticker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

import regex

_PERCENT: Final = re.compile(r"%|&#0*37;|&#[xX]0*25;|&percnt;")
_PAIR: Final = re.compile(r"[A-Z]{3}\s*/\s*[A-Z]{3}")
_ANY_PAIR: Final = regex.compile(r"[A-Z]{3}\s*/\s*[A-Z]{3}")
_INVISIBLE: Final = "script|style|noscript|template|svg|head|title"
_TAG: Final = re.compile(rf"<(/?)({_INVISIBLE})(?=[\s>/])", re.IGNORECASE)
LOOKBACK: Final = 20000
WINDOW: Final = 300
GAP: Final = 3000
MARGIN: Final = 300
MAX_FALSE_STARTS: Final = 64

Span = tuple[int, int]


def ticker_regions(html: str, quotes: frozenset[str]) -> list[Span]:
    """(start, end) slices of `html` that hold every possible entry quoted in `quotes`
    (any quote when empty)."""
    return regions(html, pair_hits(html, quotes), html=True)


def regions(body: str, hits: list[Span], html: bool) -> list[Span]:
    """Hits merged when within GAP of each other, each grown by MARGIN to whole tags
    (`html`) or whole lines."""
    merged: list[Span] = []
    for start, end in sorted(hits):
        if merged and start - merged[-1][1] <= GAP:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    widen = _widen if html else _widen_lines
    return [widen(body, start, end) for start, end in merged]


def pair_hits(body: str, quotes: frozenset[str]) -> list[Span]:
    """Spans from a pair quoted in `quotes` (any pair when empty) to the end of the
    percent sign that follows it within WINDOW characters."""
    if not quotes:
        pairs = (m.span() for m in _ANY_PAIR.finditer(body))
        return [
            (lo, end) for lo, hi in pairs if (end := _percent_end(body, hi - 3, hi + WINDOW)) != -1
        ]
    return [hit for quote in quotes for hit in _quote_hits(body, quote)]


def literal_hits(body: str, literal: str) -> list[Span]:
    """WINDOW characters either side of every place of `literal`."""
    size = len(literal)
    return [(max(0, pos - WINDOW), pos + size + WINDOW) for pos in occurrences(body, literal)]


def _quote_hits(html: str, quote: str) -> list[Span]:
    hits = []
    for pos in occurrences(html, quote):
        lo = max(0, pos - 12)
        if _PAIR.search(html, lo, pos + len(quote)):
            end = _percent_end(html, pos, pos + WINDOW)
            if end != -1:
                hits.append((lo, end))
    return hits


def occurrences(text: str, needle: str) -> Iterator[int]:
    """Every start of `needle` in `text`, without overlaps. Finding a single character runs
    at memchr speed, several times faster than a substring search, and a quote code's first
    letter is rare in a page; after MAX_FALSE_STARTS misses the substring search takes over."""
    first, size, misses = needle[0], len(needle), 0
    pos = text.find(first)
    while pos != -1 and misses < MAX_FALSE_STARTS:
        if text.startswith(needle, pos):
            yield pos
            pos = text.find(first, pos + size)
        else:
            misses += 1
            pos = text.find(first, pos + 1)
    if pos != -1:
        pos = text.find(needle, pos)
    while pos != -1:
        yield pos
        pos = text.find(needle, pos + size)


def _percent_end(html: str, start: int, stop: int) -> int:
    """End of the first percent sign (or its entity) in html[start:stop], or -1."""
    plain = html.find("%", start, stop)
    if html.find("&", start, stop if plain == -1 else plain) == -1:
        return -1 if plain == -1 else plain + 1  # no entity can come first: skip the regex
    match = _PERCENT.search(html, start, stop)
    return -1 if match is None else match.end()


def _widen_lines(text: str, start: int, end: int) -> Span:
    """Grow a region of plain text by MARGIN to whole lines."""
    start = text.rfind("\n", 0, max(0, start - MARGIN)) + 1
    line_end = text.find("\n", min(len(text), end + MARGIN))
    return start, len(text) if line_end == -1 else line_end


def _widen(html: str, start: int, end: int) -> Span:
    """Grow a region by MARGIN to whole tags, and out of any invisible element it starts in."""
    start = max(0, start - MARGIN)
    end = min(len(html), end + MARGIN)
    tag_start = html.rfind("<", 0, start + 1)
    start = tag_start if tag_start != -1 else 0
    tag_end = html.find(">", end)
    end = len(html) if tag_end == -1 else tag_end + 1
    lookback = max(0, start - LOOKBACK)
    open_at: dict[str, int] = {}
    for tag in _TAG.finditer(html, lookback, start):
        name = tag.group(2).lower()
        if tag.group(1):
            open_at.pop(name, None)
        else:
            open_at[name] = tag.start()
    if open_at:  # the region starts inside <script>, <style>, …: start after it closes
        name = max(open_at, key=open_at.__getitem__)
        close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(html, start)
        start = len(html) if close is None else close.end()
    comment = html.rfind("<!--", lookback, start)
    if comment != -1 and comment > html.rfind("-->", lookback, start):
        close_comment = html.find("-->", start)
        start = len(html) if close_comment == -1 else close_comment + 3
    return start, max(start, end)
