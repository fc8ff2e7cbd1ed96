"""A notifier's loop survives what it cannot prevent: a database that is locked or full
for a while (injected: a real server cannot make SQLite fail) stops delivery only while
it lasts. Real SQLite, a real receiver on 127.0.0.1, the real metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import LogCapture

from support.httpserver import PageServer, answer
from support.service import until
from tickerwatch.core.errors import StoreError
from tickerwatch.core.settings import Webhook
from tickerwatch.fetch.client import Clients
from tickerwatch.metrics.registry import Metrics
from tickerwatch.notify import base
from tickerwatch.notify.base import CrashBackoff
from tickerwatch.notify.status import Receivers
from tickerwatch.notify.webhook import WebhookNotifier
from tickerwatch.store.sqlite import OutboxItem, Store

FAST = CrashBackoff(first=0.01, most=0.05)


class FlakyStore(Store):
    """The real store, except that the calls named in `failing` raise StoreError (as a
    locked or full database makes them) until they are removed from it."""

    failing: set[str]
    raised: int

    def _check(self, call: str) -> None:
        if call in self.failing:
            self.raised += 1
            raise StoreError("history database error: database or disk is full")

    async def next_outbox(self, receiver: str) -> OutboxItem | None:
        self._check("next_outbox")
        return await super().next_outbox(receiver)

    async def outbox_retry(self, item_id: int, due: float, error: str) -> None:
        self._check("outbox_retry")
        await super().outbox_retry(item_id, due, error)


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> LogCapture:
    capture = LogCapture()
    monkeypatch.setattr(base, "log", structlog.wrap_logger(None, processors=[capture]))
    return capture


@pytest.fixture
def receiver() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def delivered_and_up(metrics: Metrics) -> bool:
    """One notification delivered, and the round that delivered it ended without a crash."""
    return (
        value(metrics, "tickerwatch_notifications_total", receiver="ops") == 1
        and value(metrics, "tickerwatch_notifier_up", receiver="ops") == 1
    )


async def run_notifier(tmp_path: Path, url: str, failing: set[str], check: Any) -> Receivers:
    store = await FlakyStore.open(tmp_path / "tw.db")
    store.failing, store.raised = failing, 0
    await store.save_alerts({}, [OutboxItem("ops", "key-1", '{"n": 1}', time.time())])
    metrics = Metrics(list, time.time)
    metrics.keep_receivers(["ops"])
    receivers = Receivers(metrics, time.time)  # the service's events: API status + metrics
    receivers.keep(["ops"])
    hook = Webhook("ops", url, send_resolved=True, max_age=86400, max_backoff=0.05, timeout=10)
    async with Clients() as clients:
        notifier = WebhookNotifier(hook, store, clients.get, receivers, time.time, FAST)
        task = asyncio.create_task(notifier.run())
        try:
            await check(store, metrics)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await store.close()
    return receivers


def test_a_store_fault_stops_delivery_only_while_it_lasts(
    tmp_path: Path, receiver: PageServer, logs: LogCapture
) -> None:
    async def check(store: FlakyStore, metrics: Metrics) -> None:
        await until(lambda: store.raised >= 5, what="five crashed rounds")
        assert value(metrics, "tickerwatch_notifier_up", receiver="ops") == 0
        assert (value(metrics, "tickerwatch_notifier_errors_total", receiver="ops") or 0) >= 5
        assert receiver.posts == []
        store.failing.clear()
        await until(lambda: delivered_and_up(metrics), what="the delivery once the fault cleared")
        assert value(metrics, "tickerwatch_notification_queue_length", receiver="ops") == 0

    receivers = asyncio.run(run_notifier(tmp_path, receiver.url("/hook"), {"next_outbox"}, check))
    assert len(receiver.posts) == 1
    (status,) = receivers.statuses()
    assert status.up and status.delivered == 1 and status.worker_errors >= 5
    assert status.last_error == (
        "worker: StoreError: history database error: database or disk is full"
    )
    failed = [e for e in logs.entries if e["event"] == "notifier_failed"]
    assert len(failed) == 1, "logged once per kind, not once per crash"
    assert failed[0]["error"] == "StoreError: history database error: database or disk is full"
    assert [e["event"] for e in logs.entries].count("notifier_recovered") == 1


def test_a_disk_full_while_a_retry_is_pending_does_not_stop_delivery(
    tmp_path: Path, receiver: PageServer, logs: LogCapture
) -> None:
    """The receiver answers 503 three times, and each time recording the retry fails (disk
    full). The notification is still delivered, with the same key, when the receiver is."""
    answers = iter([503, 503, 503])
    receiver.on_post("/hook", lambda req: answer(next(answers, 200))(req))

    async def check(store: FlakyStore, metrics: Metrics) -> None:
        await until(
            lambda: delivered_and_up(metrics), what="the delivery after three failed retry records"
        )
        assert store.raised == 3

    asyncio.run(run_notifier(tmp_path, receiver.url("/hook"), {"outbox_retry"}, check))
    assert [p.headers["Idempotency-Key"] for p in receiver.posts] == ["key-1"] * 4
    assert [e["event"] for e in logs.entries].count("notifier_failed") == 1


def test_a_retry_after_date_past_year_9999_is_a_failed_attempt_retried_not_a_crash(
    tmp_path: Path, receiver: PageServer, logs: LogCapture
) -> None:
    """A 503 whose Retry-After date no datetime can hold: the attempt is counted as failed
    (http_status) and retried on the worker's own backoff; the loop never crashes."""
    receiver.on_post("/hook", answer(503, {"Retry-After": "Mon, 01 Jan 99999999999 00:00:00 GMT"}))
    failures = "tickerwatch_notification_failures_total"

    async def check(store: FlakyStore, metrics: Metrics) -> None:
        await until(
            lambda: (value(metrics, failures, receiver="ops", reason="http_status") or 0) >= 3,
            what="three failed attempts",
        )
        assert value(metrics, "tickerwatch_notifier_errors_total", receiver="ops") == 0
        assert value(metrics, "tickerwatch_notifier_up", receiver="ops") == 1
        assert value(metrics, "tickerwatch_notification_queue_length", receiver="ops") == 1

    receivers = asyncio.run(run_notifier(tmp_path, receiver.url("/hook"), set(), check))
    assert len(receiver.posts) >= 3
    assert {p.headers["Idempotency-Key"] for p in receiver.posts} == {"key-1"}
    (status,) = receivers.statuses()
    assert (status.last_error, status.worker_errors) == ("http_status: HTTP 503", 0)
    assert [e for e in logs.entries if e["event"] == "notifier_failed"] == []
