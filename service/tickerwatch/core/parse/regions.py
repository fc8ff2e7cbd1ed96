"""Reading a page by its regions (locate.py), and telling whether what a reading depended
on changed since the last poll. Pure.

The region that holds the longest run of entries is read, as the whole page's longest run
would be (the most matched entries, then the first). A run that reaches a region's edge
where the region cuts the page may go on past it (entries whose pair is split by tags are
no hits): the region is grown by GAP on that side and read again, up to GROWTHS times,
else the whole page decides — unless what lies beyond shows no text (a page's <head>
before a ticker at the top of its body). Grown regions are read again at every poll.

A live page changes everywhere but its ticker, often right after it (the stories start
below the header). A built-in format's reading depends on the regions' rendered text up to
just past the ticker block (the separators after it and the characters that tell no
fragment starts there) and on any hit after the block. So the key keeps the raw regions
(equal raw text: nothing to render), the rendered text of the other regions, and the
ticker's region up to just past the block or its last hit, whichever is later; text beyond
that may change without a new reading. A custom pattern may look any distance ahead: its
key keeps every region's whole text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import regex

from tickerwatch.core.errors import ParseError
from tickerwatch.core.model import Ticker
from tickerwatch.core.parse import locate
from tickerwatch.core.parse.formats import BUILTIN, EntryPattern, Widget
from tickerwatch.core.parse.html import html_to_text, normalize_text
from tickerwatch.core.parse.number import DecimalMark
from tickerwatch.core.parse.runs import SEPARATORS, longest_run, matched
from tickerwatch.core.parse.ticker import find_ticker

REST: Final = 64  # text a cut region must hold beyond its run: more than an entry's length
GROWTHS: Final = 8
_FRAGMENT_START: Final = regex.compile(r"[A-Z]{3}[ \t]*/[ \t]*[A-Z]{3}[ \t]*[=:]")
_BLANK: Final = " \t\r\n\f\v\u00a0" + SEPARATORS
_TEXT_AFTER_TAG: Final = re.compile(r">\s*[^<\s]")
_TEXT_FIRST: Final = re.compile(r"\s*[^<\s]")

LastHit = Callable[[str], int]  # end of the last place in a text an entry can be, or 0


@dataclass(frozen=True, slots=True)
class Regions:
    """A page's regions: their (start, end) in the body, raw and rendered text."""

    body: str
    html: bool
    spans: tuple[locate.Span, ...]
    raw: tuple[str, ...]
    texts: tuple[str, ...]

    @classmethod
    def of(cls, body: str, spans: list[locate.Span], html: bool) -> Regions:
        raw = tuple(body[start:end] for start, end in spans)
        return cls(body, html, tuple(spans), raw, tuple(_render(r, html) for r in raw))

    @property
    def edges(self) -> tuple[tuple[bool, bool], ...]:
        """Whether each region starts where the body does, and ends where it does."""
        return tuple((start == 0, end == len(self.body)) for start, end in self.spans)


@dataclass(frozen=True, slots=True)
class RegionKey:
    """What a region reading of a page depended on (see the module's docstring).
    `how`: how the page is read (pattern, quotes, decimal mark, widget, HTML or not)."""

    how: tuple[object, ...]
    raw: tuple[str, ...]
    edges: tuple[tuple[bool, bool], ...]
    texts: tuple[str, ...]
    best: int
    ticker_end: int

    def same_raw(self, how: tuple[object, ...], regions: Regions) -> bool:
        return how == self.how and regions.raw == self.raw and regions.edges == self.edges

    def holds(self, how: tuple[object, ...], regions: Regions, last_hit: LastHit) -> bool:
        """Whether a reading of these regions is the one this key stands for."""
        texts = regions.texts
        if how != self.how or regions.edges != self.edges or len(texts) != len(self.texts):
            return False
        for i, (text, kept) in enumerate(zip(texts, self.texts, strict=True)):
            if i != self.best and text != kept:
                return False
        text, kept = texts[self.best], self.texts[self.best]
        if how[0] not in BUILTIN.values():
            return text == kept
        return text.startswith(kept) and _cut(text, self.ticker_end, last_hit) == len(kept)


def joined(body: str, spans: list[locate.Span], html: bool) -> list[locate.Span]:
    """The spans with neighbours merged when nothing between them shows text (long inline
    SVG, a comment, blank lines): in the page's text their entries stand side by side."""
    out: list[locate.Span] = []
    for start, end in spans:
        if out and _blank_between(body, out[-1][1], start, html):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _blank_between(body: str, start: int, end: int, html: bool) -> bool:
    if not html:
        return not body[start:end].strip(_BLANK)
    if _TEXT_AFTER_TAG.search(body, start, end) or _TEXT_FIRST.match(body, start, end):
        return False  # a text node: the quick, common answer
    return not _shows_text(body[start:end], html)


def read_regions(
    regions: Regions,
    pattern: EntryPattern,
    decimal_mark: DecimalMark | None,
    widget: Widget | None,
) -> tuple[Regions, int, Ticker] | None:
    """The regions as read (grown where the run reached a cut edge), the index of the one
    holding the ticker the whole page would give, and that ticker; None when the whole page
    must decide (no run long enough, a run that keeps reaching an edge, or a ticker that
    cannot be read: the whole page says why)."""
    least = 2 if pattern in BUILTIN.values() else 1
    for _ in range(GROWTHS + 1):
        runs = [longest_run(text, pattern) for text in regions.texts]
        best = max(range(len(runs)), key=lambda i: (matched(runs[i]), -i), default=None)
        if best is None or matched(runs[best]) < least:
            return None
        grown = _grown(regions, best, runs[best][0].start, runs[best][-1].end)
        if grown is None:
            try:
                text = regions.texts[best]
                ticker = find_ticker(text, pattern, least, decimal_mark, widget, runs[best])
            except ParseError:
                return None
            return regions, best, ticker
        regions = grown
    return None


def region_key(
    how: tuple[object, ...], before: Regions, read: Regions, best: int, ticker: Ticker,
    last_hit: LastHit,
) -> RegionKey | None:  # fmt: skip
    """The key of a reading of `read` (the regions `before` as grown by read_regions), or
    None when they were grown: the next poll reads its regions again."""
    if read.spans != before.spans:
        return None
    kept = list(read.texts)
    if how[0] in BUILTIN.values():
        kept[best] = kept[best][: _cut(kept[best], ticker.end, last_hit)]
    return RegionKey(how, read.raw, read.edges, tuple(kept), best, ticker.end)


def _grown(regions: Regions, i: int, run_start: int, run_end: int) -> Regions | None:
    """The regions with region i grown by GAP on each side its run reaches (where the
    region cuts the page and what lies beyond shows some text), or None when the run
    needs no more."""
    body, html = regions.body, regions.html
    text, (start, end) = regions.texts[i], regions.spans[i]
    new_start, new_end = start, end
    if start > 0 and len(text[:run_start].rstrip(_BLANK)) < REST:
        before = min(start, locate.widen(body, start - locate.GAP, start, html)[0])
        if _shows_text(body[before:start], html):
            new_start = before
    if end < len(body) and len(text[run_end:].lstrip(_BLANK)) < REST:
        after = max(end, locate.widen(body, end, end + locate.GAP, html)[1])
        if _shows_text(body[end:after], html):
            new_end = after
    if (new_start, new_end) == (start, end):
        return None
    spans = list(regions.spans)
    spans[i] = (new_start, new_end)
    return Regions.of(body, spans, html)


def _shows_text(raw: str, html: bool) -> bool:
    """Whether a stretch of the page shows any text (not only markup, invisible elements,
    white space and separators)."""
    return bool(_render(raw, html).strip(_BLANK))


def _render(raw: str, html: bool) -> str:
    return html_to_text(raw) if html else normalize_text(raw)


def _cut(text: str, ticker_end: int, last_hit: LastHit) -> int:
    """Where what a built-in format's reading depends on ends: past the block and the last
    hit, past the separators after them, past the characters that tell no fragment
    (`KZT/USD = n/a`) starts there."""
    end = max(ticker_end, last_hit(text))
    rest = text[end:]
    start = end + len(rest) - len(rest.lstrip(_BLANK))
    decided = start + 1
    while decided < len(text) and _FRAGMENT_START.match(text, start, decided, partial=True):
        decided += 1
    return min(len(text), decided)
