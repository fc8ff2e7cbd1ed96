"""Cron schedules: APScheduler's real CronTrigger, in the source's time zone, asked for fire
times as the scheduler asks on an injected clock (no waiting). Jitter shifts every slot by
the source's own offset: the same slots fire, each once, spread over the jitter."""

from __future__ import annotations

import itertools
import random
import re
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tickerwatch.core.settings import Source
from tickerwatch.core.snapshot import SourceState
from tickerwatch.engine.schedule import expect_next_poll, trigger_for, upcoming

WEEKDAY_MORNINGS = "*/30 8-11 * * mon-fri"  # every 30 minutes 08:00–11:30 on weekdays


def cron_source(
    schedule: str, timezone: str = "UTC", jitter: float = 0.0, name: str = "nbkr"
) -> Source:
    return Source(
        name=name, url="https://www.nbkr.kg/XML/daily.xml", format="timesca",
        entry_pattern=re.compile("x"), pairs=(), interval=300.0, jitter=jitter, timeout=20.0,
        max_body=2**20, stale_after=7200.0, drop_after=7 * 86400.0, windows=("24h",),
        timezone=timezone, schedule=schedule,
    )  # fmt: skip


def fire_times(source: Source, start: datetime, until: datetime) -> list[datetime]:
    """The polls the scheduler would run after the one at `start`, up to `until`: each asked
    for a little after the run before it started (previous run time, the clock then)."""
    lag = random.Random(source.name)
    trigger = trigger_for(source, start)
    times, previous = [], start
    while True:
        now = previous + timedelta(seconds=lag.uniform(0, 0.05))
        following = trigger.get_next_fire_time(previous, now)
        assert following is not None and following > previous
        if following > until:
            return times
        times.append(following)
        previous = following


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_a_weekday_schedule_in_bishkek_polls_at_its_utc_instants_and_never_on_weekends() -> None:
    """Asia/Bishkek is UTC+6 all year: 08:00–11:30 there is 02:00–05:30 UTC."""
    start = utc(2026, 11, 27, 12)  # a Friday, after the morning's polls
    polls = fire_times(cron_source(WEEKDAY_MORNINGS, "Asia/Bishkek"), start, start + timedelta(14))
    mondays = (utc(2026, 11, 30), utc(2026, 12, 7))
    expected = [
        monday + timedelta(days=day, hours=hour - 6, minutes=minute)
        for monday in mondays
        for day in range(5)
        for hour in range(8, 12)
        for minute in (0, 30)
    ]
    assert polls == expected
    assert {p.astimezone(ZoneInfo("Asia/Bishkek")).strftime("%a") for p in polls} == {
        "Mon", "Tue", "Wed", "Thu", "Fri",
    }  # fmt: skip


def test_a_berlin_schedule_follows_the_clock_across_the_march_change() -> None:
    """08:00 in Berlin is 07:00 UTC in winter (CET) and 06:00 UTC from 29 March (CEST)."""
    start = utc(2026, 3, 25, 12)  # a Wednesday
    polls = fire_times(cron_source("0 8 * * mon-fri", "Europe/Berlin"), start, utc(2026, 4, 2))
    assert polls == [
        utc(2026, 3, 26, 7), utc(2026, 3, 27, 7),  # Thu, Fri: CET
        utc(2026, 3, 30, 6), utc(2026, 3, 31, 6), utc(2026, 4, 1, 6),  # Mon–Wed: CEST
    ]  # fmt: skip


def test_around_the_october_change_a_slot_in_the_repeated_hour_polls_twice() -> None:
    """APScheduler's rule, unlike cron's: 02:30 happens twice on 25 October in Berlin, and
    each is a poll; the other slots keep their wall-clock time."""
    start = utc(2026, 10, 23, 12)
    polls = fire_times(cron_source("30 2 * * *", "Europe/Berlin"), start, utc(2026, 10, 27))
    assert polls == [
        utc(2026, 10, 24, 0, 30),  # CEST
        utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30),  # 02:30 CEST, then 02:30 CET
        utc(2026, 10, 26, 1, 30),  # CET
    ]  # fmt: skip


def test_jitter_spreads_sources_within_it_and_keeps_every_slot_and_the_mean() -> None:
    jitter, start = 60.0, utc(2026, 12, 1, 9, 2)
    plain = fire_times(cron_source("*/5 9-10 * * *"), start, start + timedelta(days=3))
    offsets = []
    for i in range(40):
        source = cron_source("*/5 9-10 * * *", jitter=jitter, name=f"s{i:04d}")
        polls = fire_times(source, start, start + timedelta(days=3, seconds=jitter))
        shift = (polls[0] - plain[0]).total_seconds()
        assert [p - timedelta(seconds=shift) for p in polls] == plain  # the same slots, once
        offsets.append(shift)
    assert all(0 <= o < jitter for o in offsets)
    assert {int(o // (jitter / 4)) for o in offsets} == {0, 1, 2, 3}, sorted(offsets)
    assert len({round(o, 3) for o in offsets}) == len(offsets)
    jittered = fire_times(cron_source("*/5 * * * *", jitter=jitter), start, start + timedelta(1))
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(jittered)]
    assert statistics.fmean(gaps) == 300.0 and set(gaps) == {300.0}


def test_a_slot_due_within_the_offset_still_fires_and_a_late_run_does_not_shift_the_next() -> None:
    source = cron_source("0 * * * *", jitter=600.0, name="late")
    trigger = trigger_for(source, utc(2026, 12, 1, 9))
    first = trigger.get_next_fire_time(None, utc(2026, 12, 1, 9, 0, 1))  # 09:00 is due
    assert first is not None and utc(2026, 12, 1, 9) < first < utc(2026, 12, 1, 9, 10)
    late = first + timedelta(minutes=20)  # the loop was busy: the run started 20 min late
    assert trigger.get_next_fire_time(first, late) == first + timedelta(hours=1)


def test_a_cron_source_is_stale_only_once_a_scheduled_poll_is_overdue() -> None:
    """stale_after (2 h) counts from the first poll due after the last good one: the
    weekend without polls never counts; a failing Monday does."""
    source = cron_source(WEEKDAY_MORNINGS, "Asia/Bishkek")
    friday_last = utc(2026, 12, 4, 5, 30).timestamp()  # 11:30 in Bishkek
    state = SourceState(source, started_at=friday_last - 3600, last_success_at=friday_last)
    expect_next_poll(state)
    monday_first = utc(2026, 12, 7, 2).timestamp()  # 08:00 in Bishkek
    assert state.expected_at == monday_first
    assert not state.stale(utc(2026, 12, 6, 12).timestamp())  # Sunday
    assert not state.stale(monday_first + 7200)
    assert state.stale(monday_first + 7201)


def test_an_interval_source_is_stale_as_before() -> None:
    source = Source(
        "a", "http://x/", "timesca", re.compile("x"), (), 900, 60, 10, 1000, 7200, 86400, ()
    )
    state = SourceState(source, started_at=0.0, last_success_at=1000.0)
    expect_next_poll(state)
    assert state.expected_at is None
    assert not state.stale(8200.0) and state.stale(8201.0)


def test_upcoming_polls_are_given_in_the_sources_time_zone() -> None:
    friday = utc(2026, 12, 4, 5, 15).timestamp()
    polls = upcoming(cron_source(WEEKDAY_MORNINGS, "Asia/Bishkek"), friday, 3)
    assert [p.isoformat() for p in polls] == [
        "2026-12-04T11:30:00+06:00", "2026-12-07T08:00:00+06:00", "2026-12-07T08:30:00+06:00",
    ]  # fmt: skip


def test_upcoming_polls_list_the_repeated_hour_twice_and_go_on() -> None:
    """check-config's list on the night of the October change: 02:30 CEST, 02:30 CET, and
    the next day (it listed the first one three times)."""
    polls = upcoming(
        cron_source("30 2 * * *", "Europe/Berlin"), utc(2026, 10, 24, 12).timestamp(), 3
    )
    assert [p.isoformat() for p in polls] == [
        "2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "2026-10-26T02:30:00+01:00",
    ]  # fmt: skip


@pytest.mark.parametrize("name", ["a", "b", "timesca"])
def test_a_source_keeps_its_offset_across_restarts(name: str) -> None:
    source = cron_source("*/30 * * * *", jitter=120.0, name=name)
    start, until = utc(2026, 12, 1, 9, 10), utc(2026, 12, 1, 12, 5)
    restarted = fire_times(source, start + timedelta(minutes=7), until)
    assert fire_times(source, start, until) == restarted and len(restarted) == 6
