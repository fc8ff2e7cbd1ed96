"""Reading a page by its regions (locate.py), and telling whether what a reading depended
on changed since the last poll. Pure.

A live page changes everywhere but its ticker, often right after it (the stories start
below the header). A region reading depends on the regions' rendered text up to a little
past the ticker block (the separators after it, the characters that tell no fragment
starts there, the lookahead of a custom pattern's last match: PATTERN_TAIL), and on any
place in the region where an entry could start (a hit) after the block. So the key keeps the raw
regions (equal raw text: nothing to render), the rendered text of regions without the
ticker, and the ticker's region up to just past the block or its last hit, whichever is
later; text beyond that may change without a new reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import regex

from tickerwatch.core.errors import ParseError
from tickerwatch.core.model import Ticker
from tickerwatch.core.parse.formats import BUILTIN, EntryPattern, Widget
from tickerwatch.core.parse.html import html_to_text, normalize_text
from tickerwatch.core.parse.number import DecimalMark
from tickerwatch.core.parse.ticker import find_ticker

PATTERN_TAIL: Final = 16  # characters a custom pattern may look ahead past its match
_FRAGMENT_START: Final = regex.compile(r"[A-Z]{3}[ \t]*/[ \t]*[A-Z]{3}[ \t]*[=:]")
REST: Final = 64  # text a cut region must hold after its ticker: more than an entry's length
_SEPARATORS: Final = " \t\r\n\u00a0•·∙◦▪▫►▸|"  # what may stand between a ticker's entries

LastHit = Callable[[str], int]  # end of the last place in a text an entry can be, or 0


@dataclass(frozen=True, slots=True)
class RegionKey:
    """What a region reading of a page depended on (see the module's docstring).
    `how`: how the page is read (pattern, quotes, decimal mark, widget, HTML or not)."""

    how: tuple[object, ...]
    raw: tuple[str, ...]
    texts: tuple[str, ...]
    best: int
    ticker_end: int
    tail: int

    def holds(self, how: tuple[object, ...], texts: tuple[str, ...], last_hit: LastHit) -> bool:
        """Whether a reading of these rendered regions is the one this key stands for."""
        if how != self.how or len(texts) != len(self.texts):
            return False
        for i, (text, kept) in enumerate(zip(texts, self.texts, strict=True)):
            if i != self.best and text != kept:
                return False
        text, kept = texts[self.best], self.texts[self.best]
        cut = _cut(text, self.ticker_end, last_hit, self.tail)
        return text.startswith(kept) and cut == len(kept)


def render(regions: tuple[str, ...], html: bool) -> tuple[str, ...]:
    """The text of each region: HTML rendered, plain text normalized."""
    return tuple(html_to_text(r) if html else normalize_text(r) for r in regions)


def read_regions(
    texts: tuple[str, ...],
    cut: tuple[bool, ...],
    pattern: EntryPattern,
    decimal_mark: DecimalMark | None,
    widget: Widget | None,
) -> tuple[int, Ticker] | None:
    """The region holding the ticker the whole page would give (the most matched entries,
    then the first) and that ticker, or None when no region holds one for certain.

    `cut`: whether each region ends before the page does. A ticker followed by less than
    REST characters of a cut region may go on past it (entries whose pair is split by
    tags are no hits): such a region is not trusted, the whole page decides."""
    least = 2 if pattern in BUILTIN.values() else 1
    best: tuple[int, Ticker] | None = None
    for i, text in enumerate(texts):
        try:
            ticker = find_ticker(text, pattern, least, decimal_mark, widget)
        except ParseError:
            continue
        if cut[i] and len(text[ticker.end :].lstrip(_SEPARATORS)) < REST:
            return None
        if best is None or _matched(ticker) > _matched(best[1]):
            best = i, ticker
    return best


def region_key(
    how: tuple[object, ...],
    raw: tuple[str, ...],
    texts: tuple[str, ...],
    best: int,
    ticker: Ticker,
    last_hit: LastHit,
) -> RegionKey:
    tail = 0 if how[0] in BUILTIN.values() else PATTERN_TAIL
    kept = list(texts)
    kept[best] = texts[best][: _cut(texts[best], ticker.end, last_hit, tail)]
    return RegionKey(how, raw, tuple(kept), best, ticker.end, tail)


def _cut(text: str, ticker_end: int, last_hit: LastHit, tail: int) -> int:
    """Where what the reading depends on ends: past the block and the last hit, past the
    separators after them, past the characters that tell no fragment (`KZT/USD = n/a`)
    starts there, and at least `tail` characters past them (a pattern's lookahead)."""
    end = max(ticker_end, last_hit(text))
    rest = text[end:]
    start = end + len(rest) - len(rest.lstrip(_SEPARATORS))
    decided = start + 1
    while decided < len(text) and _FRAGMENT_START.match(text, start, decided, partial=True):
        decided += 1
    return min(len(text), max(decided, end + tail))


def _matched(ticker: Ticker) -> int:
    """Entries the pattern matched, read or not (fragments are `unmatched`)."""
    return len(ticker.entries) + sum(u.reason != "unmatched" for u in ticker.unreadable)
