"""Find the ticker block in page text: the longest run of adjacent entries.

A page's header ticker is a run of `PAIR = RATE CHANGE%` entries separated by nothing but
white space and bullets. Article text may hold its own bullets and mention a pair in prose;
those stand alone or in short runs, so only the longest run counts (ties: the first), and a
run shorter than `min_entries` is no ticker at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Final

from tickerwatch.errors import ParseError
from tickerwatch.model import Pair, Ticker, TickerEntry

SIGNS: Final = "+\\-\u2212\u2012\u2013\u2014\ufe63\uff0d"
_MINUS: Final = str.maketrans({c: "-" for c in "\u2212\u2012\u2013\u2014\ufe63\uff0d"})
_SEPARATOR: Final = re.compile(r"[\s•·∙◦▪▫►▸|*/\-–—]*")
MAX_GAP: Final = 64
MAX_ABS_RATE: Final = Decimal("1e12")


def find_ticker(text: str, entry_pattern: re.Pattern[str], min_entries: int = 2) -> Ticker:
    """Return the ticker block of `text`, or raise ParseError when there is none."""
    best: list[TickerEntry] = []
    run: list[TickerEntry] = []
    for entry in _entries(text, entry_pattern):
        if run and not _adjacent(text, run[-1].end, entry.start):
            best = _longer(best, run)
            run = []
        run.append(entry)
    best = _longer(best, run)
    if not best:
        raise ParseError("no ticker entries (PAIR = RATE CHANGE%) found in the page text")
    if len(best) < min_entries:
        raise ParseError(
            f"no ticker: the longest run of entries has {len(best)} (a ticker has at least"
            f" {min_entries}); a lone pair mentioned in text is not a ticker"
        )
    return Ticker(entries=tuple(best), text=text, start=best[0].start, end=best[-1].end)


def _longer(best: list[TickerEntry], run: list[TickerEntry]) -> list[TickerEntry]:
    return run if len(run) > len(best) else best


def _adjacent(text: str, end: int, start: int) -> bool:
    if start - end > MAX_GAP:
        return False
    return _SEPARATOR.fullmatch(text, end, start) is not None


def _entries(text: str, pattern: re.Pattern[str]) -> Iterator[TickerEntry]:
    """Every entry in `text`. A marquee repeats each entry: the printed numbers are read
    once (and remembered across pages, see `_read`), each copy only gets its place."""
    for match in pattern.finditer(text):
        read = _read(*match.group("base", "quote", "rate", "change"))
        if read is not None:
            yield TickerEntry(*read, match.start(), match.end())


@functools.lru_cache(maxsize=8192)
def _read(
    base: str | None, quote: str | None, rate: str | None, change: str | None
) -> tuple[Pair, Decimal, Decimal] | None:
    """The pair and numbers of one printed entry, or None if they are nonsense or a custom
    pattern left a group empty. Cached: a page prints the same few entries poll after poll,
    and equal text gives the very same objects, which dedup's fast path checks for."""
    if base is None or quote is None or rate is None or change is None:
        return None
    try:
        pair = Pair.parse(f"{base}/{quote}")
        rate_value = to_decimal(rate)
        change_value = to_decimal(change)
    except (ValueError, InvalidOperation):
        return None
    if not (rate_value.is_finite() and change_value.is_finite()):
        return None
    if not 0 < rate_value < MAX_ABS_RATE:
        return None
    return pair, rate_value, change_value


def to_decimal(printed: str) -> Decimal:
    """Read a number as printed: any minus sign, a leading +, comma or point decimals."""
    cleaned = "".join(printed.split()).translate(_MINUS).replace(",", ".").removesuffix("%")
    if cleaned.count(".") > 1 or cleaned.lower() in {"nan", "inf", "infinity", "-inf", "+inf"}:
        raise ValueError(f"not a number: {printed!r}")
    return Decimal(cleaned)
