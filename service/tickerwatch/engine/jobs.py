"""The sources' poll jobs in APScheduler: one `poll:NAME` job per source on its grid or cron
schedule (schedule.py), and a one-off `retry:NAME` job after a failed poll (retry.py)."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from tickerwatch.core.snapshot import SourceState
from tickerwatch.engine.retry import retry_at
from tickerwatch.engine.schedule import misfire_grace, trigger_for

Poll = Callable[[SourceState], Coroutine[Any, Any, None]]


class PollJobs:
    """Adds, removes and answers for the poll jobs of `scheduler`; `poll` runs one poll."""

    def __init__(self, scheduler: AsyncIOScheduler, poll: Poll) -> None:
        self.scheduler = scheduler
        self.poll = poll
        self._planned: dict[str, float] = {}  # job id → when its current run was planned
        self._failures: dict[str, int] = {}  # source → failed polls in a row
        scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)

    def add(self, state: SourceState, poll_now: bool = True) -> None:
        """Poll now (unless a reload re-schedules the source), then on the source's grid or
        cron schedule (schedule.py: jitter spreads, never slows)."""
        source = state.source
        now = datetime.now(UTC)
        first: dict[str, datetime] = {"next_run_time": now} if poll_now else {}
        self.scheduler.add_job(
            functools.partial(self.poll, state), trigger_for(source, now),
            id=f"poll:{source.name}", name=f"poll {source.name}", max_instances=1,
            coalesce=True, misfire_grace_time=misfire_grace(source), replace_existing=True,
            **first,
        )  # fmt: skip

    def remove(self, name: str) -> None:
        for job in (f"poll:{name}", f"retry:{name}"):
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job)
        self._failures.pop(name, None)

    def next_poll(self, name: str) -> float | None:
        """When source `name` is next polled (Unix seconds): its scheduled poll or a sooner
        retry; None when it is not scheduled (yet)."""
        times = [self._next_run(job) for job in (f"poll:{name}", f"retry:{name}")]
        return min((t for t in times if t is not None), default=None)

    def lag(self, name: str) -> float | None:
        """How late the scheduled poll of `name` now running started (seconds), once."""
        planned = self._planned.pop(f"poll:{name}", None)
        return None if planned is None else max(0.0, time.time() - planned)

    def after_poll(self, state: SourceState) -> None:
        """After a failed poll, poll again sooner than the schedule would (retry.py)."""
        name = state.source.name
        self._failures[name] = 0 if state.up else self._failures.get(name, 0) + 1
        at = retry_at(
            state.source, self._failures[name], time.time(), self._next_run(f"poll:{name}")
        )
        if at is not None:
            self.scheduler.add_job(
                functools.partial(self.poll, state), DateTrigger(datetime.fromtimestamp(at, UTC)),
                id=f"retry:{name}", name=f"retry {name}", replace_existing=True,
            )  # fmt: skip

    def _next_run(self, job_id: str) -> float | None:
        job = self.scheduler.get_job(job_id)
        when: datetime | None = getattr(job, "next_run_time", None)  # unset before start
        return None if when is None else when.timestamp()

    def _submitted(self, event: JobSubmissionEvent) -> None:
        """Remember when a run was planned (its offset included), to log how late it started."""
        self._planned[event.job_id] = event.scheduled_run_times[-1].timestamp()
