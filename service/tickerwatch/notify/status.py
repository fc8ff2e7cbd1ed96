"""Each receiver's latest state, for /api/v1/notifiers: an `Events` that remembers what it
is told and passes every event on to another (the metrics)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tickerwatch.notify.base import DropReason, Events, FailureReason


@dataclass(slots=True)
class ReceiverStatus:
    """Counts are since the process started; times are Unix seconds."""

    receiver: str
    up: bool = False
    queued: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    dropped: int = 0
    worker_errors: int = 0
    last_delivered_at: float | None = None
    last_error: str | None = None  # "redirect: HTTP 301", "worker: StoreError: …", "cannot send: …"
    last_error_at: float | None = None


class Receivers:
    def __init__(self, sink: Events, clock: Callable[[], float]) -> None:
        self.sink = sink
        self.clock = clock
        self._status: dict[str, ReceiverStatus] = {}

    def keep(self, names: Iterable[str]) -> None:
        """The configured receivers: new ones start empty, others are forgotten."""
        self._status = {n: self._status.get(n) or ReceiverStatus(n) for n in names}

    def statuses(self) -> list[ReceiverStatus]:
        return list(self._status.values())

    def _of(self, receiver: str) -> ReceiverStatus:
        status = self._status.get(receiver)
        if status is None:
            status = self._status[receiver] = ReceiverStatus(receiver)
        return status

    def _error(self, receiver: str, error: str) -> ReceiverStatus:
        status = self._of(receiver)
        status.last_error, status.last_error_at = error, self.clock()
        return status

    def delivered(self, receiver: str) -> None:
        status = self._of(receiver)
        status.delivered += 1
        status.last_delivered_at = self.clock()
        self.sink.delivered(receiver)

    def delivery_failed(self, receiver: str, reason: FailureReason, detail: str) -> None:
        self._error(receiver, f"{reason}: {detail}").failed_attempts += 1
        self.sink.delivery_failed(receiver, reason, detail)

    def dropped(self, receiver: str, reason: DropReason) -> None:
        self._of(receiver).dropped += 1
        self.sink.dropped(receiver, reason)

    def queue_length(self, receiver: str, length: int) -> None:
        self._of(receiver).queued = length
        self.sink.queue_length(receiver, length)

    def notifier_up(self, receiver: str, up: bool) -> None:
        self._of(receiver).up = up
        self.sink.notifier_up(receiver, up)

    def cannot_send(self, receiver: str, problem: str) -> None:
        self._error(receiver, f"cannot send: {problem}")
        self.sink.cannot_send(receiver, problem)

    def notifier_crashed(self, receiver: str, error: str) -> None:
        self._error(receiver, f"worker: {error}").worker_errors += 1
        self.sink.notifier_crashed(receiver, error)
