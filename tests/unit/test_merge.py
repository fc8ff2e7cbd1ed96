"""Imported sightings merged into run-length history (core.merge): properties over random
live rows and sightings, and the cases named in the module's rules."""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tickerwatch.core.merge import Merged, Run, Sighting, Span, merge
from tickerwatch.core.model import Pair, PrintedRate

KZT = Pair("KZT", "USD")
EXAMPLES = int(os.environ.get("TICKERWATCH_FUZZ_EXAMPLES", "300"))


def rate(text: str, change: str = "0") -> PrintedRate:
    return PrintedRate(KZT, Decimal(text), Decimal(change), 5, copies=1)


def seen(at: float, text: str, change: str = "0") -> Sighting:
    return Sighting(at, rate(text, change))


def runs(result: Merged) -> list[tuple[float, float, str]]:
    return [(r.first, r.last, str(r.rate.rate)) for r in result.runs]


VALUES = ["0.00194", "0.00196", "0.00197"]
sightings_st = st.lists(
    st.builds(seen, st.integers(0, 40).map(float), st.sampled_from(VALUES)), max_size=25
)


@st.composite
def live_st(draw: st.DrawFn) -> list[Span]:
    """Non-overlapping live rows, appended in time order, consecutive values differing."""
    bounds = sorted(set(draw(st.lists(st.integers(0, 40), max_size=8))))
    spans: list[Span] = []
    for first, last in zip(bounds[::2], bounds[1::2], strict=False):
        value = draw(st.sampled_from([v for v in VALUES if not spans or spans[-1].value[0] != v]))
        spans.append(Span(float(first), float(last), rate(value).value))
    return spans


def contains(run: Run, at: float) -> bool:
    return run.first <= at <= run.last


@settings(max_examples=EXAMPLES, deadline=None)
@given(live_st(), sightings_st, st.randoms())
def test_the_result_depends_on_the_set_of_sightings_only(
    live: list[Span], sightings: list[Sighting], rnd: object
) -> None:
    shuffled = list(sightings)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    once = merge(live, sightings)
    assert merge(live, shuffled + sightings).runs == once.runs
    assert {(s.at, s.rate.value) for s in merge(live, shuffled).absorbed} == {
        (s.at, s.rate.value) for s in once.absorbed
    }


@settings(max_examples=EXAMPLES, deadline=None)
@given(live_st(), sightings_st)
def test_runs_are_the_sightings_run_length_encoded_around_live_rows(
    live: list[Span], sightings: list[Sighting]
) -> None:
    result = merge(live, sightings)
    written = (
        {(s.at, s.rate.value) for s in sightings}
        - {(s.at, s.rate.value) for s in result.absorbed}
        - {(s.at, s.rate.value) for s, _ in result.conflicts}
    )
    # every sighting not absorbed nor conflicting lies in a run of its value …
    for at, value in written:
        assert any(contains(r, at) and r.rate.value == value for r in result.runs)
    # … and every run starts and ends on sightings of its value (no invented times)
    for r in result.runs:
        assert (r.first, r.rate.value) in written and (r.last, r.rate.value) in written
    for a, b in zip(result.runs, result.runs[1:], strict=False):
        assert a.last <= b.first  # time order, no overlap
        between = any(a.last < s.first < b.first or s.first == b.first for s in live)
        if a.last < b.first and not between:
            assert a.rate.value != b.rate.value  # maximal: equal neighbours would be one run
    for r in result.runs:
        for span in live:  # no run overlaps a live row, nor spans across one
            assert r.last < span.first or r.first > span.last


@settings(max_examples=EXAMPLES, deadline=None)
@given(live_st(), sightings_st)
def test_sightings_inside_live_rows_are_absorbed_or_conflicts(
    live: list[Span], sightings: list[Sighting]
) -> None:
    result = merge(live, sightings)
    for s in result.absorbed:
        assert any(x.first <= s.at <= x.last and x.value == s.rate.value for x in live)
    for s, span in result.conflicts:
        assert span.first <= s.at <= span.last and span.value != s.rate.value


def test_a_sighting_of_another_value_splits_an_imported_run() -> None:
    before = merge([], [seen(1, "0.00196"), seen(5, "0.00196")])
    assert runs(before) == [(1, 5, "0.00196")]
    after = merge([], [seen(1, "0.00196"), seen(5, "0.00196"), seen(3, "0.00197")])
    assert runs(after) == [(1, 1, "0.00196"), (3, 3, "0.00197"), (5, 5, "0.00196")]


def test_a_live_row_splits_an_imported_run_and_a_gap_filled_joins_it() -> None:
    live = [Span(3, 4, rate("0.00197").value)]
    assert runs(merge(live, [seen(1, "0.00196"), seen(6, "0.00196")])) == [
        (1, 1, "0.00196"),
        (6, 6, "0.00196"),
    ]
    assert runs(merge([], [seen(1, "0.00196"), seen(2, "0.00196"), seen(6, "0.00196")])) == [
        (1, 6, "0.00196")
    ]


def test_live_rows_win() -> None:
    live = [Span(10, 20, rate("0.00196").value)]
    result = merge(live, [seen(15, "0.00196"), seen(12, "0.00197"), seen(25, "0.00196")])
    assert runs(result) == [(25, 25, "0.00196")]
    assert [s.at for s in result.absorbed] == [15]
    assert [(s.at, span.first) for s, span in result.conflicts] == [(12, 10)]


def test_two_pages_of_one_day_that_differ_are_both_kept() -> None:
    """The value continuing from before comes first, the one continuing after comes last."""
    result = merge(
        [],
        [seen(0, "0.00197"), seen(1, "0.00196"), seen(1, "0.00197"), seen(1, "0.00194"),
         seen(2, "0.00196")],
    )  # fmt: skip
    assert runs(result) == [(0, 1, "0.00197"), (1, 1, "0.00194"), (1, 2, "0.00196")]


def test_a_change_sign_is_a_different_value() -> None:
    result = merge([], [seen(1, "0.00008", "-0"), seen(2, "0.00008", "0")])
    assert [(r.first, str(r.rate.change_pct)) for r in result.runs] == [(1, "-0"), (2, "0")]
