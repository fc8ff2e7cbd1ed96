"""What every notifier is: one receiver, one queue, one supervised loop.

A `Notifier` delivers to exactly one receiver (a webhook, one Alertmanager), so a slow or
failing receiver delays nobody else. Notifiers report what happens through `Events`,
which the service wires to the metrics; notify/ never imports the metrics itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Final, Literal, Protocol

import structlog

from tickerwatch.core.errors import TickerwatchError
from tickerwatch.core.units import backoff

log = structlog.get_logger("tickerwatch.notify")

# Why one delivery attempt failed. `rejected` (a 4xx other than 408 and 429) is permanent
# for that notification; every other reason is retried.
FailureReason = Literal["timeout", "connect", "redirect", "http_status", "rejected"]
FAILURE_REASONS: Final[tuple[FailureReason, ...]] = (
    "timeout",
    "connect",
    "redirect",
    "http_status",
    "rejected",
)
# Why a notification was given up: the receiver rejected it, `max_age` passed, or its
# webhook is no longer configured (renamed or removed: nothing would ever send it).
DropReason = Literal["rejected", "expired", "receiver_removed"]
DROP_REASONS: Final[tuple[DropReason, ...]] = ("rejected", "expired", "receiver_removed")


class Events(Protocol):
    """Where a notifier reports; every method takes the receiver's name (its metric label)."""

    def delivered(self, receiver: str) -> None: ...

    def delivery_failed(self, receiver: str, reason: FailureReason, detail: str) -> None: ...

    def dropped(self, receiver: str, reason: DropReason) -> None: ...

    def queue_length(self, receiver: str, length: int) -> None: ...

    def notifier_up(self, receiver: str, up: bool) -> None: ...

    def notifier_crashed(self, receiver: str, error: str) -> None: ...

    def cannot_send(self, receiver: str, problem: str) -> None:
        """The worker cannot make any request (said once per new problem; notifier_up
        says when it can again)."""


class Notifier(Protocol):
    """One receiver's worker. `run` never returns on its own (cancel it to stop);
    `wake` asks it to look for work now (a new alert transition)."""

    @property
    def name(self) -> str: ...

    def wake(self) -> None: ...

    async def run(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one delivery attempt ended. `failure` None means delivered (a 2xx).
    `detail` is safe to log (never the URL): "HTTP 503", "ConnectError"."""

    failure: FailureReason | None
    detail: str = ""
    status: int | None = None
    retry_after: float | None = None  # seconds, from a 429's or 503's Retry-After

    @property
    def delivered(self) -> bool:
        return self.failure is None

    @property
    def permanent(self) -> bool:
        return self.failure == "rejected"


def retry_delay(attempts: int, cap: float, retry_after: float | None = None) -> float:
    """Seconds before the next attempt after `attempts` failed ones: 1, 2, 4 … s with
    jitter (×0.5–1), at most `cap`; never sooner than a Retry-After (itself capped)."""
    delay = backoff(attempts, 1.0, cap, random.uniform(0.5, 1.0))
    if retry_after is not None:
        delay = max(delay, min(cap, retry_after))
    return delay


@dataclass(frozen=True, slots=True)
class CrashBackoff:
    """Pause after the loop's n-th consecutive crash: first × 2^(n-1), at most `most`."""

    first: float = 1.0
    most: float = 60.0

    def delay(self, crashes: int) -> float:
        return backoff(crashes, self.first, self.most)


MIN_WAIT: Final = 0.05


class SupervisedNotifier(ABC):
    """The loop every notifier runs: `step` does the work that is due and says how long
    until more is; any exception in it (a StoreError from a locked or full disk, a bug) is
    counted, logged once per kind until the loop recovers, and retried after a backoff.
    `notifier_up` is 1 while the loop runs, its last step did not crash, and nothing keeps
    it from sending (`problem`: a proxy httpx cannot use, a URL it refuses)."""

    def __init__(self, name: str, events: Events, crash_backoff: CrashBackoff) -> None:
        self._name = name
        self.events = events
        self.crash_backoff = crash_backoff
        self._wake = asyncio.Event()
        self._busy = False
        self._problem: str | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def busy(self) -> bool:
        """True while a step runs (a wake then waits for it to end)."""
        return self._busy

    def wake(self) -> None:
        self._wake.set()

    def stopped(self) -> None:  # noqa: B027 - a hook: most notifiers start nothing
        """The loop was cancelled: end anything it started (nothing by default)."""

    def problem(self) -> str | None:
        """Why this worker cannot send anything at all, or None (checked after each step;
        safe to log). Its attempts fail and are counted meanwhile."""
        return None

    @abstractmethod
    async def step(self) -> float:
        """Deliver what is due; return seconds until the next step is wanted."""

    async def run(self) -> None:
        crashes = 0
        logged: set[str] = set()
        self._check()
        try:
            while True:
                self._wake.clear()  # before the step: a wake during it is not lost
                self._busy = True
                try:
                    wait = await self.step()
                except Exception as exc:
                    crashes += 1
                    self._crashed(exc, crashes, logged)
                    await asyncio.sleep(self.crash_backoff.delay(crashes))
                    continue
                finally:
                    self._busy = False
                if crashes:
                    log.info("notifier_recovered", receiver=self.name, crashes=crashes)
                    crashes = 0
                    logged.clear()
                self._check()
                await self._idle(wait)
        except asyncio.CancelledError:
            self.stopped()
            raise  # stopped on purpose (shutdown, reload): the service updates the series
        except BaseException:
            self.events.notifier_up(self.name, False)
            raise

    def _check(self) -> None:
        """Set notifier_up from `problem`; log a new problem once, and its end."""
        try:
            problem = self.problem()
        except Exception as exc:  # a bug in the check must not end the loop
            problem = f"{type(exc).__name__} while checking"
        if problem != self._problem:
            if problem is not None:
                self.events.cannot_send(self.name, problem)
                log.error("notifier_cannot_send", receiver=self.name, error=problem)
            else:
                log.info("notifier_can_send", receiver=self.name)
            self._problem = problem
        self.events.notifier_up(self.name, problem is None)

    def _crashed(self, exc: Exception, crashes: int, logged: set[str]) -> None:
        kind = type(exc).__name__
        mine = isinstance(exc, TickerwatchError)
        error = f"{kind}: {exc}" if mine else kind
        self.events.notifier_crashed(self.name, error)
        self.events.notifier_up(self.name, False)
        if kind in logged:
            return
        logged.add(kind)
        # Our own errors say what went wrong without secrets; anything else is a bug, whose
        # message might quote a URL: its type and the frames it came through find it.
        log.error(
            "notifier_failed",
            receiver=self.name,
            error=error,
            crashes=crashes,
            retry_in=self.crash_backoff.delay(crashes),
            traceback=None if mine else "".join(traceback.format_tb(exc.__traceback__)),
        )

    async def _idle(self, wait: float) -> None:
        with contextlib.suppress(TimeoutError):  # not wait_for: it can swallow a cancel
            async with asyncio.timeout(max(MIN_WAIT, wait)):
                await self._wake.wait()
