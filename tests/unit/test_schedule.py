"""Jitter spreads the sources' polls over the jitter without stretching the period: the
real APScheduler trigger, asked for fire times as the scheduler asks, on an injected clock."""

from __future__ import annotations

import itertools
import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from tickerwatch.core.parse import BUILTIN
from tickerwatch.core.settings import Source
from tickerwatch.engine.retry import retry_at
from tickerwatch.engine.schedule import poll_trigger

START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def fire_times(name: str, interval: float, jitter: float, polls: int) -> list[datetime]:
    """The run times the scheduler would plan, each asked for a little after the run before
    it started (as APScheduler does: previous run time, and the clock at that moment)."""
    lag = random.Random(name)
    trigger = poll_trigger(name, interval, jitter, START)
    times = [START]  # every source is polled once at start
    while len(times) < polls:
        now = times[-1] + timedelta(seconds=lag.uniform(0, 0.05))
        following = trigger.get_next_fire_time(times[-1], now)
        assert following is not None and following > times[-1]
        times.append(following)
    return times


def gaps(times: list[datetime]) -> list[float]:
    return [(b - a).total_seconds() for a, b in itertools.pairwise(times)]


@pytest.mark.parametrize(("interval", "jitter"), [(2.0, 2.0), (900.0, 60.0), (300.0, 30.0)])
def test_jitter_keeps_the_mean_period_at_the_interval(interval: float, jitter: float) -> None:
    steady = gaps(fire_times("timesca", interval, jitter, 1000))[1:]
    assert statistics.fmean(steady) == pytest.approx(interval, rel=1e-3)
    assert max(steady) - min(steady) < 1e-3  # a fixed grid: every gap is the interval


def test_jitter_spreads_the_sources_over_the_jitter() -> None:
    interval, jitter = 60.0, 60.0
    offsets = []
    for i in range(40):
        first, second = fire_times(f"s{i:04d}", interval, jitter, 3)[1:]
        offsets.append((first - START).total_seconds() - interval)
        assert (second - first).total_seconds() == pytest.approx(interval)
    assert all(0 <= o < jitter for o in offsets)
    quarters = {int(o // (jitter / 4)) for o in offsets}
    assert quarters == {0, 1, 2, 3}, sorted(offsets)
    assert len({round(o, 3) for o in offsets}) == len(offsets)


def test_a_source_keeps_its_offset_across_restarts_and_without_jitter_has_none() -> None:
    assert fire_times("timesca", 900, 60, 3) == fire_times("timesca", 900, 60, 3)
    assert gaps(fire_times("timesca", 900, 0, 4)) == [900.0, 900.0, 900.0]


def test_a_late_run_does_not_shift_the_grid() -> None:
    trigger = poll_trigger("timesca", 10, 5, START)
    first = trigger.get_next_fire_time(START, START)
    assert first is not None
    late = first + timedelta(seconds=7)  # the loop was busy: the run started 7 s late
    following = trigger.get_next_fire_time(first, late)
    assert following == first + timedelta(seconds=10)


def test_failed_polls_are_retried_5s_10s_20s_40s_later_until_the_schedule_is_nearer() -> None:
    source = Source(
        "a", "https://a.example/", "timesca", BUILTIN["timesca"], (), 60.0, 0, 10.0, 1000,
        3600, 3600, (),
    )  # fmt: skip
    scheduled = 1000.0 + 60
    assert [retry_at(source, n, 1000.0, scheduled) for n in (0, 1, 2, 3, 4)] == [
        None,  # no failure: the schedule
        1005.0,
        1010.0,
        1020.0,
        1040.0,
    ]
    assert retry_at(source, 5, 1000.0, scheduled) is None  # 60 s (the cap) is the schedule
    assert retry_at(source, 1, 1000.0, None) is None  # not scheduled: nothing to bring forward
