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

# A percent sign as the built-in formats read it (%, Arabic ٪, fullwidth ％), or an entity
# of one (the trailing semicolon is optional in HTML).
_PERCENT: Final = re.compile(
    r"[%\u066a\uff05]|&#0*(?:37|1642|65285)(?![0-9]);?"
    r"|&#[xX]0*(?:25|66[aA]|[fF][fF]05)(?![0-9a-fA-F]);?|&percnt;"
)
# What may stand around a pair's slash in raw text and still render as white space or
# nothing: spaces, an entity (&nbsp;), a zero-width or direction mark.
_FILL: Final = r"(?:\s|&[#\w]+;|[\u200b-\u200f\u2060\ufeff])*"
_PAIR: Final = re.compile(rf"[A-Z]{{3}}{_FILL}/{_FILL}[A-Z]{{3}}")
_ANY_PAIR: Final = regex.compile(rf"[A-Z]{{3}}{_FILL}/{_FILL}[A-Z]{{3}}")
PAIR_SPAN: Final = 40  # characters before a quote code where its pair may start
_INVISIBLE: Final = "script|style|noscript|template|svg|head|title"
_TAG: Final = re.compile(rf"<(/?)({_INVISIBLE}|body)(?=[\s>/])", re.IGNORECASE)
_COMMENT_END: Final = re.compile("--!?>")
LOOKBACK: Final = 20000
WINDOW: Final = 300  # characters either side of a pattern's literal where its entry may be
PERCENT_WINDOW: Final = 1000  # characters after a pair where its percent sign may be
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
    return [widen(body, start, end, html) for start, end in merged]


def widen(body: str, start: int, end: int, html: bool) -> Span:
    """body[start:end] grown by MARGIN to whole tags, out of any invisible element it
    starts in (`html`), or to whole lines."""
    return _widen(body, start, end) if html else _widen_lines(body, start, end)


def pair_hits(body: str, quotes: frozenset[str]) -> list[Span]:
    """Spans from a pair quoted in `quotes` (any pair when empty) to the end of the
    percent sign that follows it within WINDOW characters."""
    if not quotes:
        pairs = (m.span() for m in _ANY_PAIR.finditer(body))
        return [
            (lo, end)
            for lo, hi in pairs
            if (end := _percent_end(body, hi - 3, hi + PERCENT_WINDOW)) != -1
        ]
    return [hit for quote in quotes for hit in _quote_hits(body, quote)]


def literal_hits(body: str, literal: str) -> list[Span]:
    """WINDOW characters either side of every place of `literal`."""
    size = len(literal)
    return [(max(0, pos - WINDOW), pos + size + WINDOW) for pos in occurrences(body, literal)]


def _quote_hits(html: str, quote: str) -> list[Span]:
    hits = []
    for pos in occurrences(html, quote):
        lo = max(0, pos - PAIR_SPAN)
        if _PAIR.search(html, lo, pos + len(quote)):
            end = _percent_end(html, pos, pos + PERCENT_WINDOW)
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
        if name == "body":  # </head> may be left out
            open_at.pop("head", None)
        elif tag.group(1):
            open_at.pop(name, None)
        elif not (name == "svg" and _self_closed(html, tag.end())):
            open_at[name] = tag.start()
    if open_at:  # the region starts inside <script>, <style>, …: start after it closes
        name = max(open_at, key=open_at.__getitem__)
        close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(html, start)
        start = len(html) if close is None else close.end()
    comment = html.rfind("<!--", lookback, start)
    if comment != -1 and comment > _last_comment_end(html, lookback, start):
        close = _COMMENT_END.search(html, start)
        start = len(html) if close is None else close.end()
    return start, max(start, end)


def _self_closed(html: str, after_name: int) -> bool:
    """Whether the tag whose name ends at `after_name` ends with `/>` (an <svg/>)."""
    end = html.find(">", after_name)
    return end != -1 and html[end - 1] == "/"


def _last_comment_end(html: str, start: int, stop: int) -> int:
    return max(html.rfind("-->", start, stop), html.rfind("--!>", start, stop))
