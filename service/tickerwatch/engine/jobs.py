"""The sources' poll jobs in APScheduler: one `poll:NAME` job per source on its grid or cron
schedule (schedule.py), and a one-off `retry:NAME` job after a failed poll (retry.py)."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import structlog
from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobSubmissionEvent,
)
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from tickerwatch.core.snapshot import SourceState
from tickerwatch.engine.retry import retry_at
from tickerwatch.engine.schedule import misfire_grace, trigger_for

Poll = Callable[[SourceState], Coroutine[Any, Any, None]]
log = structlog.get_logger("tickerwatch.service")
SKIP_LOG_EVERY = 60.0  # seconds between `polls_skipped` events of one job


class PollJobs:
    """Adds, removes and answers for the poll jobs of `scheduler`; `poll` runs one poll."""

    def __init__(
        self, scheduler: AsyncIOScheduler, poll: Poll, skipped: Callable[[str], None]
    ) -> None:
        """`skipped(name)`: a scheduled poll of source `name` was not run (counted there)."""
        self.scheduler = scheduler
        self.poll = poll
        self.skipped = skipped
        self._planned: dict[str, float] = {}  # job id → when its current run was planned
        self._failures: dict[str, int] = {}  # source → failed polls in a row
        self._skips: dict[str, tuple[int, float]] = {}  # job id → skipped since logged, when
        scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)

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

    def poll_once(self, state: SourceState) -> None:
        """Poll now, once, outside the schedule (as the `retry:NAME` job: it replaces a
        pending retry, and reloads in a row before it runs make one poll)."""
        self.scheduler.add_job(
            functools.partial(self.poll, state), DateTrigger(datetime.now(UTC)),
            id=f"retry:{state.source.name}", name=f"retry {state.source.name}",
            replace_existing=True,
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

    def _skipped(self, event: JobEvent) -> None:
        """A run not started: counted per source; logged as `polls_skipped` at most once a
        minute per job, with the runs skipped since the last such event (APScheduler's own
        warning per run is filtered out in logs.py)."""
        job, now = event.job_id, time.monotonic()
        if job.startswith("poll:"):
            self.skipped(job.removeprefix("poll:"))
        count, logged_at = self._skips.get(job, (0, -SKIP_LOG_EVERY))
        count += 1
        if now - logged_at < SKIP_LOG_EVERY:
            self._skips[job] = (count, logged_at)
            return
        why = "still running" if event.code == EVENT_JOB_MAX_INSTANCES else "started too late"
        log.warning("polls_skipped", job=job, skipped=count, why=why, every=SKIP_LOG_EVERY)
        self._skips[job] = (0, now)

    def _submitted(self, event: JobSubmissionEvent) -> None:
        """Remember when a run was planned (its offset included), to log how late it started."""
        self._planned[event.job_id] = event.scheduled_run_times[-1].timestamp()
