"""When a source is polled: once at start, then on a fixed grid shifted by the source's own
offset within its jitter. The offset spreads sources apart; the grid keeps each source's
mean period at its interval (APScheduler's own jitter re-times every run from the previous
jittered one, so `interval: 2s, jitter: 2s` polled every ~3 s)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Final

from apscheduler.triggers.base import BaseTrigger

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_US: Final = 1_000_000


def offset(name: str, interval: float, jitter: float) -> float:
    """Seconds in [0, min(jitter, interval)) that belong to `name`: the same at every start,
    evenly spread over distinct names (the first 8 bytes of SHA-256 as a fraction)."""
    fraction = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8]) / 2**64
    return fraction * min(jitter, interval)


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
