"""Find the ticker block in page text: the longest run of adjacent entries.

A page's header ticker is a run of `PAIR = RATE CHANGE%` entries separated by nothing but
white space and bullets. Article text may hold its own bullets and mention a pair in prose;
those stand alone or in short runs, so only the longest run counts (ties: the first), and a
run shorter than `min_entries` is no ticker at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any, Final

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
    """Every entry in `text`. A marquee repeats each entry, so each distinct printed form
    is converted once and then only moved to its new place."""
    seen: dict[tuple[str | Any, ...], TickerEntry | None] = {}
    for match in pattern.finditer(text):
        key = match.group("base", "quote", "rate", "change")
        if key not in seen:
            seen[key] = entry_from_match(match)
        entry = seen[key]
        if entry is not None:
            yield replace(entry, start=match.start(), end=match.end())


def entry_from_match(match: re.Match[str]) -> TickerEntry | None:
    """Build an entry from a match with groups base, quote, rate, change; None if nonsense."""
    try:
        pair = Pair.parse(f"{match['base']}/{match['quote']}")
        rate = to_decimal(match["rate"])
        change = to_decimal(match["change"])
    except (ValueError, InvalidOperation, IndexError):
        return None
    if not (rate.is_finite() and change.is_finite()) or not 0 < rate < MAX_ABS_RATE:
        return None
    return TickerEntry(pair, rate, change, match.start(), match.end())


def to_decimal(printed: str) -> Decimal:
    """Read a number as printed: any minus sign, a leading +, comma or point decimals."""
    cleaned = "".join(printed.split()).translate(_MINUS).replace(",", ".").removesuffix("%")
    if cleaned.count(".") > 1 or cleaned.lower() in {"nan", "inf", "infinity", "-inf", "+inf"}:
        raise ValueError(f"not a number: {printed!r}")
    return Decimal(cleaned)
