"""Find the ticker block in page text: the longest run of adjacent entries.

A page's header ticker is a run of `PAIR = RATE CHANGE%` entries separated by nothing but
white space and bullets. Article text may hold its own bullets and mention a pair in prose;
those stand alone or in short runs, so only the longest run counts (ties: the first), and a
run shorter than `min_entries` is no ticker at all.

Every entry the pattern matches, and every fragment that starts like one (parse/runs.py),
takes its place in a run; the numbers are read afterwards, with the decimal mark the run's
other numbers show (parse/number.py). An entry that cannot be read is kept as `Unreadable`
with the reason, never dropped silently.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Final, NamedTuple

from tickerwatch.core.errors import ParseError
from tickerwatch.core.model import Pair, Ticker, TickerEntry, Unreadable
from tickerwatch.core.parse.formats import EntryPattern, Widget
from tickerwatch.core.parse.number import DecimalMark, NumberError, page_decimal_mark, read_number
from tickerwatch.core.parse.runs import Item, longest_run, matched

MAX_ABS_RATE: Final = Decimal("1e12")
MIN_RATE: Final = Decimal("1e-12")
MAX_ABS_CHANGE_PCT: Final = Decimal("1e6")


def find_ticker(
    text: str,
    entry_pattern: EntryPattern,
    min_entries: int = 2,
    decimal_mark: DecimalMark | None = None,
    widget: Widget | None = None,
    run: list[Item] | None = None,
) -> Ticker:
    """Return the ticker block of `text`, or raise ParseError when there is none.

    `decimal_mark` decides numbers such as `12,650` when given; otherwise the other numbers
    of the same run decide, and an entry they cannot decide is unreadable. `widget`: a
    custom pattern's fixed codes and change unit (None for the built-in formats, whose
    entries always print a pair and a percent change). `run`: the text's longest run, when
    the caller has it already."""
    run = longest_run(text, entry_pattern) if run is None else run
    if not run:
        raise ParseError("no ticker entries (PAIR = RATE CHANGE%) found in the page text")
    if matched(run) < min_entries:
        raise ParseError(
            f"no ticker: the longest run of entries has {matched(run)} (a ticker has at least"
            f" {min_entries}); a lone pair mentioned in text is not a ticker"
        )
    hint = decimal_mark or _run_decimal_mark(run)
    entries: list[TickerEntry] = []
    unreadable: list[Unreadable] = []
    for item in run:
        read = _refuse_split(item) or _read(*item.groups, hint, widget)
        if isinstance(read, _Refusal):
            printed = text[item.start : item.end]
            unreadable.append(Unreadable(printed, read.pair, read.reason, read.message))
        else:
            pair, rate, change_pct, change_abs = read
            entries.append(TickerEntry(pair, rate, change_pct, item.start, item.end, change_abs))
    if not entries:
        first = unreadable[0]
        raise ParseError(
            f"the ticker's {len(unreadable)} entries look like quotes but none can be read;"
            f" the first, {first.text!r}: {first.message}"
        )
    hinted = decimal_mark is None and hint is not None and any(_needs_hint(i, widget) for i in run)
    return Ticker(tuple(entries), text, run[0].start, run[-1].end, tuple(unreadable), hinted=hinted)


def _run_decimal_mark(run: list[Item]) -> DecimalMark | None:
    """The decimal mark the run's telling numbers agree on, or None."""
    return page_decimal_mark(p for item in run for p in item.groups[2:] if p is not None)


def _needs_hint(item: Item, widget: Widget | None) -> bool:
    """Whether this entry reads only with the run's decimal mark (`12,650` alone)."""
    alone = _read(*item.groups, None, widget)
    return isinstance(alone, _Refusal) and alone.reason == "ambiguous" and not item.fragment


def _refuse_split(item: Item) -> _Refusal | None:
    """`12 650%`: one grouped rate with no change, or a rate of 12 and a change of 650%?"""
    base, quote, rate, change = item.groups
    if not item.split_by_space or rate is None or change is None:
        return None
    if not _one_grouped_number(rate, change):
        return None
    return _Refusal(
        _pair(base, quote),
        "ambiguous",
        f"{rate} {change}% may be one grouped rate with no change, or {rate} and {change}%",
    )


@functools.lru_cache(maxsize=8192)
def _one_grouped_number(rate: str, change: str) -> bool:
    """Whether `rate change` also reads as one number grouped by a space. Cached: a page
    prints the same entries poll after poll."""
    try:
        read_number(f"{rate} {change}", ".")
    except NumberError:
        return False
    return True


def _pair(base: str | None, quote: str | None) -> Pair | None:
    try:
        return Pair.parse(f"{base}/{quote}")
    except ValueError:
        return None


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
    widget: Widget | None = None,
) -> tuple[Pair, Decimal, Decimal | None, Decimal | None] | _Refusal:
    """The pair, rate, percent change and absolute change (at most one of the two) of one
    printed entry, or why they cannot be read. Cached: a page prints the same few entries
    poll after poll, and equal text gives the very same objects, which dedup's fast path
    checks for."""
    if base is not None and quote is not None and rate is None and change is None:
        return _Refusal(_pair(base, quote), "unmatched", "does not read as PAIR = RATE CHANGE%")
    if widget is not None:
        base, quote = base or widget.base, quote or widget.quote
    pair = _pair(base, quote)
    if base is None or quote is None or rate is None or (change is None and widget is None):
        return _Refusal(pair, "incomplete", "the pattern left base, quote, rate or change empty")
    if pair is None:
        return _Refusal(None, "bad_pair", f"not a currency pair: {base}/{quote}")
    try:
        rate_value = read_number(rate, hint)
        change_value = None if change is None else read_number(change, hint)
    except NumberError as exc:
        return _Refusal(pair, exc.reason, str(exc))
    if not MIN_RATE <= rate_value < MAX_ABS_RATE:
        return _Refusal(pair, "out_of_range", f"a rate of {rate} is not within 1e-12 to 1e12")
    if change_value is not None and abs(change_value) >= MAX_ABS_CHANGE_PCT:
        return _Refusal(pair, "out_of_range", f"a change of {change} is not a change")
    if widget is not None and widget.absolute_change:
        return pair, rate_value, None, change_value
    return pair, rate_value, change_value, None
