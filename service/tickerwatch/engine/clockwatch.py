"""Wall-clock steps (an NTP correction, an operator's `date -s`, a VM resumed): found by
comparing the wall clock's progress with the monotonic clock's once a second.

APScheduler 3 plans every run in wall-clock time, so after a step back of an hour it
waits an hour, and after a step forward it finds every run overdue. The service
re-schedules every job from the new wall time when a step is found (engine.service)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Final

EVERY: Final = 1.0  # seconds between looks
TOLERANCE: Final = 2.0  # seconds of disagreement that make a step (a busy loop drifts less)


async def watch_clock(on_step: Callable[[float], None]) -> None:
    """Call `on_step(seconds)` (positive: the wall clock jumped ahead) for each step; runs
    until cancelled."""
    wall, mono = time.time(), time.monotonic()
    while True:
        await asyncio.sleep(EVERY)
        now_wall, now_mono = time.time(), time.monotonic()
        step = (now_wall - wall) - (now_mono - mono)
        if abs(step) > TOLERANCE:
            on_step(step)
        wall, mono = now_wall, now_mono
