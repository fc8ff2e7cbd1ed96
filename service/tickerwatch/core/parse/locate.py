"""Where in raw HTML a ticker can be, found without parsing the page.

Every entry names its pair (`KGS/USD`) and, soon after, a percent sign. When the quote
currencies are known (the source's expected pairs), a fixed-string search for each code
finds every place a pair can be; a hit counts when it is shaped like a pair and a `%` (or
its entity) follows within WINDOW characters. Hits close together form regions, which are
cut at tag boundaries, moved out of script/style/comment bodies, and rendered to text on
their own. The caller falls back to rendering the whole page when no region holds a ticker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

_PERCENT: Final = re.compile(r"%|&#0*37;|&#[xX]0*25;|&percnt;")
_PAIR: Final = re.compile(r"[A-Z]{3}\s*/\s*[A-Z]{3}")
_INVISIBLE: Final = "script|style|noscript|template|svg|head|title"
_TAG: Final = re.compile(rf"<(/?)({_INVISIBLE})(?=[\s>/])", re.IGNORECASE)
LOOKBACK: Final = 20000
WINDOW: Final = 300
GAP: Final = 3000
MARGIN: Final = 300
MAX_FALSE_STARTS: Final = 64


def ticker_regions(html: str, quotes: frozenset[str]) -> list[tuple[int, int]]:
    """(start, end) slices of `html` that hold every possible entry quoted in `quotes`."""
    hits = sorted(hit for quote in quotes for hit in _pair_hits(html, quote))
    regions: list[tuple[int, int]] = []
    for start, end in hits:
        if regions and start - regions[-1][1] <= GAP:
            regions[-1] = (regions[-1][0], max(end, regions[-1][1]))
        else:
            regions.append((start, end))
    return [_widen(html, start, end) for start, end in regions]


def _pair_hits(html: str, quote: str) -> list[tuple[int, int]]:
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


def _widen(html: str, start: int, end: int) -> tuple[int, int]:
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
