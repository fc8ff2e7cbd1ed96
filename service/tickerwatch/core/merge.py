"""Merging imported sightings into a pair's run-length history. Pure.

A *sighting* is one dated page's printed value for one pair (`tickerwatch import`,
`tickerwatch backfill`). History is run-length: a row is a run of one printed value from
when it was first seen to when it was last seen. Live rows (written by polls) are never
changed by an import; imported rows are rebuilt from every sighting of the pair, so the
result depends only on the set of sightings and the live rows, never on the order in which
files were imported, and importing the same files again changes nothing.

The rules, for each sighting at time `at`:

- inside a live row (first_seen ≤ at ≤ last_seen) with the same value: the live history
  already says it (`absorbed`);
- inside a live row with another value: a `conflict`, reported and not written (what
  tickerwatch saw itself wins over a saved page);
- otherwise it joins the imported runs: sightings in time order, consecutive ones with the
  same printed value form one run, unless a live row lies between them (then the run is
  split around the live row). A sighting between two others of another value splits their
  run: runs end at the last sighting before and start at the first sighting after, the only
  times known to have shown the value.

Sightings at the same instant with different values (two saved pages of one day that
differ) are all kept, as runs of that instant: the value that continues the run before comes
first, the one that continues into the next instant last, others in printed order.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from tickerwatch.core.model import PrintedRate, PrintedValue


@dataclass(frozen=True, slots=True)
class Sighting:
    """One pair's printed rate on a page dated `at` (Unix seconds)."""

    at: float
    rate: PrintedRate


@dataclass(frozen=True, slots=True)
class Span:
    """A live history row: its printed value and first and last sighting (Unix seconds)."""

    first: float
    last: float
    value: PrintedValue


@dataclass(frozen=True, slots=True)
class Run:
    """An imported history row to write: `rate` printed from `first` to `last`."""

    first: float
    last: float
    rate: PrintedRate


@dataclass(frozen=True, slots=True)
class Merged:
    """The imported rows of one pair (in time order), and the sightings not written."""

    runs: tuple[Run, ...]
    absorbed: tuple[Sighting, ...]
    conflicts: tuple[tuple[Sighting, Span], ...]


def merge(live: Sequence[Span], sightings: Iterable[Sighting]) -> Merged:
    """The imported runs of a pair given its live rows and all its sightings (any order,
    repeats allowed)."""
    spans = sorted(live, key=lambda s: (s.first, s.last))
    firsts = [s.first for s in spans]
    absorbed: list[Sighting] = []
    conflicts: list[tuple[Sighting, Span]] = []
    free: list[Sighting] = []
    for sighting in _distinct(sightings):
        span = _covering(spans, firsts, sighting.at)
        if span is None:
            free.append(sighting)
        elif span.value == sighting.rate.value:
            absorbed.append(sighting)
        else:
            conflicts.append((sighting, span))
    return Merged(_runs(free, firsts), tuple(absorbed), tuple(conflicts))


def _distinct(sightings: Iterable[Sighting]) -> list[Sighting]:
    seen: dict[tuple[float, PrintedValue], Sighting] = {}
    for s in sightings:
        seen.setdefault((s.at, s.rate.value), s)
    return sorted(seen.values(), key=lambda s: (s.at, _key(s.rate.value)))


def _key(value: PrintedValue) -> tuple[str, str, str, float]:
    rate, pct, absolute, effective = value
    return rate, pct, absolute, -1.0 if effective is None else effective


def _covering(spans: Sequence[Span], firsts: list[float], at: float) -> Span | None:
    """The live row whose range holds `at`, if any (live rows are appended in time order
    and do not overlap, so it is the last one starting by `at`)."""
    i = bisect.bisect_right(firsts, at)
    return spans[i - 1] if i > 0 and spans[i - 1].last >= at else None


def _ordered(sightings: list[Sighting]) -> list[Sighting]:
    """Time order; at one instant, the value continuing the previous instant first and the
    value continuing into the next instant last."""
    groups = [list(g) for _, g in groupby(sightings, key=lambda s: s.at)]
    out: list[Sighting] = []
    for i, group in enumerate(groups):
        before = out[-1].rate.value if out else None
        after = {s.rate.value for s in groups[i + 1]} if i + 1 < len(groups) else set()
        group.sort(key=lambda s: (s.rate.value != before, s.rate.value in after))
        out.extend(group)
    return out


def _runs(sightings: list[Sighting], live_firsts: list[float]) -> tuple[Run, ...]:
    runs: list[Run] = []
    barrier = -1
    for s in _ordered(sightings):
        here = bisect.bisect_right(live_firsts, s.at)  # live rows started by `at`
        last = runs[-1] if runs else None
        if last is not None and here == barrier and last.rate.value == s.rate.value:
            runs[-1] = Run(last.first, s.at, last.rate)
        else:
            runs.append(Run(s.at, s.at, s.rate))
        barrier = here
    return tuple(runs)
