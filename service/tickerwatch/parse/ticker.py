"""Find the ticker block in page text: the longest run of adjacent entries.

A page's header ticker is a run of `PAIR = RATE CHANGE%` entries separated by nothing but
white space and bullets. Article text may hold its own bullets and mention a pair in prose;
those stand alone or in short runs, so only the longest run counts (ties: the first), and a
run shorter than `min_entries` is no ticker at all.

Every entry the pattern matches takes its place in a run; its numbers are read afterwards,
with the decimal mark the run's other numbers show (parse/number.py). An entry whose
numbers cannot be read is kept as `Unreadable` with the reason, never dropped silently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Final, NamedTuple

from tickerwatch.errors import ParseError
from tickerwatch.model import Pair, Ticker, TickerEntry, Unreadable
from tickerwatch.parse.number import DecimalMark, NumberError, decimal_mark_of, read_number

_SEPARATOR: Final = re.compile(r"[\s•·∙◦▪▫►▸|*/\-–—]*")
MAX_GAP: Final = 64
MAX_ABS_RATE: Final = Decimal("1e12")


class _Match(NamedTuple):
    """One match of the entry pattern: the printed groups and where the entry stood."""

    groups: tuple[str | None, str | None, str | None, str | None]  # base, quote, rate, change
    start: int
    end: int


def find_ticker(
    text: str,
    entry_pattern: re.Pattern[str],
    min_entries: int = 2,
    decimal_mark: DecimalMark | None = None,
) -> Ticker:
    """Return the ticker block of `text`, or raise ParseError when there is none.

    `decimal_mark` decides numbers such as `12,650` when given; otherwise the other numbers
    of the same run decide, and an entry they cannot decide is unreadable."""
    run = _longest_run(text, entry_pattern)
    if not run:
        raise ParseError("no ticker entries (PAIR = RATE CHANGE%) found in the page text")
    if len(run) < min_entries:
        raise ParseError(
            f"no ticker: the longest run of entries has {len(run)} (a ticker has at least"
            f" {min_entries}); a lone pair mentioned in text is not a ticker"
        )
    hint = decimal_mark or _run_decimal_mark(run)
    entries: list[TickerEntry] = []
    unreadable: list[Unreadable] = []
    for match in run:
        read = _read(*match.groups, hint)
        if isinstance(read, _Refusal):
            unreadable.append(
                Unreadable(text[match.start : match.end], read.pair, read.reason, read.message)
            )
        else:
            entries.append(TickerEntry(*read, match.start, match.end))
    if not entries:
        first = unreadable[0]
        raise ParseError(
            f"the ticker's {len(unreadable)} entries look like quotes but none can be read;"
            f" the first, {first.text!r}: {first.message}"
        )
    return Ticker(tuple(entries), text, run[0].start, run[-1].end, tuple(unreadable))


def _longest_run(text: str, pattern: re.Pattern[str]) -> list[_Match]:
    best: list[_Match] = []
    run: list[_Match] = []
    for match in _matches(text, pattern):
        if run and not _adjacent(text, run[-1].end, match.start):
            best = run if len(run) > len(best) else best
            run = []
        run.append(match)
    return run if len(run) > len(best) else best


def _matches(text: str, pattern: re.Pattern[str]) -> Iterator[_Match]:
    for match in pattern.finditer(text):
        base, quote, rate, change = match.group("base", "quote", "rate", "change")
        yield _Match((base, quote, rate, change), match.start(), match.end())


def _adjacent(text: str, end: int, start: int) -> bool:
    if start - end > MAX_GAP:
        return False
    return _SEPARATOR.fullmatch(text, end, start) is not None


def _run_decimal_mark(run: list[_Match]) -> DecimalMark | None:
    """The decimal mark the run's telling numbers agree on, or None."""
    marks = {
        mark
        for match in run
        for printed in match.groups[2:]
        if printed is not None and (mark := _mark_of(printed)) is not None
    }
    return marks.pop() if len(marks) == 1 else None


_mark_of = functools.lru_cache(maxsize=8192)(decimal_mark_of)


class _Refusal(NamedTuple):
    pair: Pair | None
    reason: str
    message: str


@functools.lru_cache(maxsize=8192)
def _read(
    base: str | None,
    quote: str | None,
    rate: str | None,
    change: str | None,
    hint: DecimalMark | None,
) -> tuple[Pair, Decimal, Decimal] | _Refusal:
    """The pair and numbers of one printed entry, or why they cannot be read. Cached: a page
    prints the same few entries poll after poll, and equal text gives the very same
    objects, which dedup's fast path checks for."""
    if base is None or quote is None or rate is None or change is None:
        return _Refusal(None, "incomplete", "the pattern left base, quote, rate or change empty")
    try:
        pair = Pair.parse(f"{base}/{quote}")
    except ValueError as exc:
        return _Refusal(None, "bad_pair", str(exc))
    try:
        rate_value = read_number(rate, hint)
        change_value = read_number(change, hint)
    except NumberError as exc:
        return _Refusal(pair, exc.reason, str(exc))
    if not 0 < rate_value < MAX_ABS_RATE:
        return _Refusal(pair, "out_of_range", f"a rate of {rate} is not above 0 and below 1e12")
    return pair, rate_value, change_value
