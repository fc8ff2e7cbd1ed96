"""Collapse the repeated copies of a scrolling ticker into one printed rate per pair. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tickerwatch.core.model import (
    Conflict,
    Deduplicated,
    Pair,
    PrintedRate,
    PrintedValue,
    TickerEntry,
    Unreadable,
)


def deduplicate(
    entries: Sequence[TickerEntry], unreadable: Sequence[Unreadable] = ()
) -> Deduplicated:
    """One PrintedRate per pair, in the order pairs first appear; unreadable entries once per
    printed text, in page order (their count, repeats included, in `unreadable_entries`).

    Copies that disagree are a conflict: the value most copies show wins, ties go to the
    value seen first.
    """
    by_pair: dict[Pair, list[TickerEntry]] = {}
    for entry in entries:
        by_pair.setdefault(entry.pair, []).append(entry)
    rates: list[PrintedRate] = []
    conflicts: list[Conflict] = []
    for pair, copies in by_pair.items():
        chosen, conflict = _choose(copies)
        printed = PrintedRate(
            pair, chosen.rate, chosen.change_pct, chosen.decimals, copies=len(copies),
            change_abs=chosen.change_abs, effective=chosen.effective,
        )  # fmt: skip
        rates.append(printed)
        if conflict is not None:
            conflicts.append(conflict)
    distinct: dict[str, Unreadable] = {}
    for refused in unreadable:
        distinct.setdefault(refused.text, refused)
    return Deduplicated(
        tuple(rates),
        entries=len(entries),
        conflicts=tuple(conflicts),
        unreadable=tuple(distinct.values()),
        unreadable_entries=len(unreadable),
    )


def _choose(copies: list[TickerEntry]) -> tuple[TickerEntry, Conflict | None]:
    first = copies[0]
    if len(copies) == 1 or all(
        c.rate is first.rate and c.change_pct is first.change_pct for c in copies[1:]
    ):
        return first, None  # the parser gives equal printed text the very same objects
    counts = Counter(entry.value for entry in copies)
    first_seen = {value: i for i, value in reversed(list(enumerate(e.value for e in copies)))}
    winner = max(counts, key=lambda value: (counts[value], -first_seen[value]))
    chosen = copies[first_seen[winner]]
    if len(counts) == 1:
        return chosen, None
    values = tuple(
        f"{_printed(value)} ×{counts[value]}"
        for value in sorted(counts, key=first_seen.__getitem__)
    )
    return chosen, Conflict(chosen.pair, values, _printed(winner))


def _printed(value: PrintedValue) -> str:
    rate, pct, absolute, _ = value
    return f"{rate} {pct}%" if pct else f"{rate} {absolute}".rstrip()
