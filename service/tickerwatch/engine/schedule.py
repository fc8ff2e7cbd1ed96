"""When a source is polled: once at start, then on a fixed grid (`interval`) or at the slots
of its cron `schedule` (in its time zone), either shifted by the source's own offset within
its jitter. The offset spreads sources apart; the grid keeps each source's mean period at
its interval, and a shifted cron schedule polls every slot once, in order (APScheduler's
own jitter re-times every run from the previous jittered one, so `interval: 2s, jitter: 2s`
polled every ~3 s)."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from tickerwatch.config.crontab import cron_trigger
from tickerwatch.core.settings import Source
from tickerwatch.core.snapshot import SourceState

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_US: Final = 1_000_000


def offset(name: str, interval: float, jitter: float) -> float:
    """Seconds in [0, min(jitter, interval)) that belong to `name`: the same at every start,
    evenly spread over distinct names (the first 8 bytes of SHA-256 as a fraction)."""
    fraction = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8]) / 2**64
    return fraction * min(jitter, interval)


def trigger_for(source: Source, start: datetime) -> BaseTrigger:
    """The trigger of `source` polled at `start`: its interval grid (`poll_trigger`), or its
    cron schedule in its time zone, every slot `offset` seconds late (< `jitter`)."""
    if source.schedule is None:
        return poll_trigger(source.name, source.interval, source.jitter, start)
    cron = cron_trigger(source.schedule, source.timezone)
    return ShiftedTrigger(cron, offset(source.name, math.inf, source.jitter))


def timing(source: Source) -> tuple[object, ...]:
    """What decides when `source` is polled: a reload that changes it re-schedules the
    source; one that keeps it keeps the source's polls where they were."""
    if source.schedule is None:
        return ("interval", source.interval, source.jitter)
    return ("cron", source.schedule, source.timezone, source.jitter)


def misfire_grace(source: Source) -> int | None:
    """Seconds a poll may start late before APScheduler skips it: one interval; none for a
    cron source, whose next slot may be days away (missed slots coalesce into one poll)."""
    return None if source.schedule is not None else max(1, int(source.interval))


def next_poll_after(source: Source, moment: float) -> float | None:
    """For a cron source, the first poll it is scheduled for strictly after `moment` (Unix
    seconds, its offset included); None for an interval source."""
    if source.schedule is None:
        return None
    at = datetime.fromtimestamp(moment, UTC)
    # `now` a microsecond later, as the scheduler asks after a run: asked at the run's own
    # instant, a cron trigger returns the repeated hour of a clock change's night again.
    following = trigger_for(source, at).get_next_fire_time(at, at + timedelta(microseconds=1))
    return None if following is None else following.timestamp()


def expect_next_poll(state: SourceState) -> None:
    """Set `state.expected_at` (staleness counts from it): for a cron source, the first poll
    scheduled after its last good one (or after start), so nights and weekends without
    polls never make it stale; None (from the last good poll) for an interval source."""
    since = state.last_success_at if state.last_success_at is not None else state.started_at
    state.expected_at = next_poll_after(state.source, since)


def upcoming(source: Source, after: float, count: int) -> list[datetime]:
    """The next `count` scheduled polls of a cron source after `after` (Unix seconds), in its
    time zone, offset included; [] for an interval source (its grid starts at start)."""
    if source.schedule is None:
        return []
    zone, times = ZoneInfo(source.timezone), list[datetime]()
    moment: float | None = after
    while moment is not None and len(times) < count:
        moment = next_poll_after(source, moment)
        if moment is not None:
            times.append(datetime.fromtimestamp(moment, zone))
    return times


def poll_trigger(name: str, interval: float, jitter: float, start: datetime) -> BaseTrigger:
    """The trigger of a source polled at `start` (seconds for `interval` and `jitter`): its
    next polls are at start + interval + offset, then every interval after that."""
    first = start + timedelta(seconds=interval + offset(name, interval, jitter))
    return GridTrigger(first, interval)


class GridTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires at first + k·interval (k = 0, 1, …): always the grid point after the previous
    fire time, however late that run started, so runs never drift. Computed in whole
    microseconds (datetime's resolution), so a fire time is never returned twice."""

    __slots__ = ("_first_us", "_interval_us")

    def __init__(self, first: datetime, interval: float) -> None:
        self._first_us = _micros(first)
        self._interval_us = max(1, round(interval * _US))

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        first, step = self._first_us, self._interval_us
        if previous_fire_time is None:  # the first point at or after now
            k = max(0, -((first - _micros(now)) // step))
        else:  # the first point strictly after the previous one
            k = max(0, (_micros(previous_fire_time) - first) // step + 1)
        return _EPOCH + timedelta(microseconds=first + k * step)

    def __str__(self) -> str:
        first = _EPOCH + timedelta(microseconds=self._first_us)
        return f"grid[every {self._interval_us / _US:g}s from {first.isoformat()}]"


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * _US + delta.microseconds


class ShiftedTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires `shift` seconds after each fire time of `trigger`: the same slots, each once and
    in order, however late a run started. Computed in UTC: adding seconds to a local time
    in the hour a DST change repeats would land in the wrong one of its two copies."""

    __slots__ = ("_shift", "_trigger")

    def __init__(self, trigger: BaseTrigger, shift: float) -> None:
        self._trigger = trigger
        self._shift = timedelta(seconds=shift)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        shift = self._shift
        slot = None if previous_fire_time is None else previous_fire_time.astimezone(UTC) - shift
        following = self._trigger.get_next_fire_time(slot, now.astimezone(UTC) - shift)
        return None if following is None else following.astimezone(UTC) + shift

    def __str__(self) -> str:
        return f"{self._trigger} + {self._shift.total_seconds():g}s"
