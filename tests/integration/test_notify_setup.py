"""What a notifier cannot help: a proxy the environment names that httpx cannot use, a
URL httpx refuses, a receiver renamed or removed with notifications queued for it. The
real service, real receivers on 127.0.0.1, the real outbox: every one of them counted,
logged and shown, and the service keeps going."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.httpserver import PageServer, answer
from support.service import Service, config_text, logged, sample, wait_for
from tickerwatch.store.sqlite import OutboxItem, Store

DOWN = "alerts:\n  - {name: Down, source_down: {}}\n"  # fires on the first failed poll
KZT_LOW = "alerts:\n  - {name: KZTLow, pairs: [KZT/USD], rate: {below: 0.002}}\n"  # fires


@pytest.fixture
def receiver() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


def config(site: PageServer, rules: str, notify: str) -> str:
    return config_text(f"  - name: a\n    url: {site.url('/')}\n", rules + "notify:\n" + notify)


def value(svc: Service, name: str, **labels: str) -> float | None:
    return sample(svc.metrics(), name, **labels)


def notifiers(svc: Service) -> dict[str, dict[str, Any]]:
    return {n["receiver"]: n for n in svc.get("/api/v1/notifiers").json()["notifiers"]}


def outbox(svc: Service) -> list[tuple[str, bool, bool, str | None]]:
    """(receiver, delivered, dropped, last_error) of every outbox row, oldest first."""
    with sqlite3.connect(svc.db) as db:
        rows = db.execute(
            "SELECT receiver, delivered IS NOT NULL, dropped IS NOT NULL, last_error"
            " FROM outbox ORDER BY id"
        ).fetchall()
    return [(r, bool(d), bool(x), e) for r, d, x, e in rows]


def reload(svc: Service, text: str) -> None:
    svc.config.write_text(text.replace("{port}", str(svc.port)).replace("{db}", str(svc.db)))
    assert svc.proc is not None
    svc.proc.send_signal(signal.SIGHUP)


@pytest.mark.parametrize("proxy", ["socks5://127.0.0.1:1080", "ftp://127.0.0.1:21", "http://[::1"])
def test_a_proxy_the_environment_names_but_httpx_cannot_use_fails_attempts_not_the_service(
    tmp_path: Path, site: PageServer, receiver: PageServer, proxy: str
) -> None:
    """The service starts; polls fail as connect; each receiver's worker counts a failed
    attempt (connect) per try, keeps trying, and shows notifier_up 0: it cannot deliver."""
    notify = (
        f"  webhooks: [{{name: ops, url: '{receiver.url('/hook')}', max_backoff: 1s}}]\n"
        f"  alertmanager: {{urls: ['{receiver.base}'], resend_interval: 1s}}\n"
    )
    svc = Service(tmp_path, config(site, DOWN, notify))
    svc.env = {"HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
    svc.start()
    why = "cannot use the proxy named by HTTP_PROXY"
    names = ["ops", "alertmanager:" + receiver.base.removeprefix("http://")]
    failed = "tickerwatch_notification_failures_total"
    try:
        (source,) = wait_for(
            lambda: [s for s in svc.get("/api/v1/sources").json()["sources"] if s["polls"]],
            what="a poll",
        )
        assert source["last_error_reason"] == "connect" and why in source["last_error"]
        for name in names:
            wait_for(
                lambda n=name: (value(svc, failed, receiver=n, reason="connect") or 0) >= 2,  # type: ignore[misc]
                what=f"{name}: failed attempts, retried",
            )
        text, seen = svc.metrics(), notifiers(svc)
        for name in names:
            assert sample(text, "tickerwatch_notifier_up", receiver=name) == 0
            assert sample(text, "tickerwatch_notifier_errors_total", receiver=name) == 0
            assert seen[name]["up"] is False and seen[name]["worker_errors"] == 0
            assert seen[name]["last_error"].startswith(f"connect: {why}")
        cannot_send = logged(svc, "notifier_cannot_send")  # once per receiver
        assert sorted(str(e["receiver"]) for e in cannot_send) == sorted(names)
        assert logged(svc, "notifier_failed") == [] and receiver.posts == []
    finally:
        svc.close()


def test_a_webhook_url_httpx_refuses_is_a_failed_attempt_and_shows_the_worker_down(
    tmp_path: Path, site: PageServer
) -> None:
    """`ü-` is no IDNA label: urlsplit takes the URL, httpx refuses to build the request.
    The worker says so before anything is queued; then each attempt fails as connect."""
    hook = (
        "  webhooks: [{name: ops, url: 'http://ü-.example/hook?token=s3cret', max_backoff: 1s}]\n"
    )
    svc = Service(tmp_path, config(site, "", hook)).start()
    failed = "tickerwatch_notification_failures_total"
    refused = "cannot build a request to the URL (InvalidURL)"
    try:
        wait_for(lambda: notifiers(svc)["ops"]["last_error"], what="the worker's problem")
        assert notifiers(svc)["ops"]["last_error"] == f"cannot send: {refused}"
        assert value(svc, "tickerwatch_notifier_up", receiver="ops") == 0
        reload(svc, config(site, KZT_LOW, hook))  # the alert fires: notifications queue
        wait_for(
            lambda: (value(svc, failed, receiver="ops", reason="connect") or 0) >= 2,
            what="failed attempts, retried",
        )
        assert value(svc, "tickerwatch_notifier_up", receiver="ops") == 0
        assert value(svc, "tickerwatch_notifier_errors_total", receiver="ops") == 0
        assert notifiers(svc)["ops"]["last_error"] == f"connect: {refused}"
        (event,) = logged(svc, "notifier_cannot_send")  # once: the reload kept the worker
        assert (event["receiver"], event["error"]) == ("ops", refused)
        assert logged(svc, "notifier_failed") == []
        assert "s3cret" not in svc.log.read_text() and "ü-" not in svc.log.read_text()
    finally:
        svc.close()


def test_renaming_a_webhook_drops_its_queue_and_counts_it(
    tmp_path: Path, site: PageServer, receiver: PageServer
) -> None:
    """ops is down with the firing notification queued; a reload renames it oncall (the
    same URL): the queued one is dropped, counted under ops, logged once; oncall starts
    with an empty queue."""
    receiver.on_post("/hook", answer(503))

    def hook(name: str) -> str:
        return f"  webhooks: [{{name: {name}, url: '{receiver.url('/hook')}', max_backoff: 1s}}]\n"

    svc = Service(tmp_path, config(site, KZT_LOW, hook("ops"))).start()
    dropped = "tickerwatch_notifications_dropped_total"
    try:
        wait_for(lambda: len(receiver.posted("/hook")) >= 2, what="failed attempts to ops")
        reload(svc, config(site, KZT_LOW, hook("oncall")))
        wait_for(lambda: list(notifiers(svc)) == ["oncall"], what="the reload")
        wait_for(
            lambda: value(svc, dropped, receiver="ops", reason="receiver_removed") == 1,
            what="ops's queued notification counted as dropped",
        )
        assert value(svc, "tickerwatch_notification_queue_length", receiver="oncall") == 0
        assert value(svc, dropped, receiver="oncall", reason="receiver_removed") == 0
        ((receiver_name, delivered, was_dropped, error),) = outbox(svc)
        assert (receiver_name, delivered, was_dropped) == ("ops", False, True)
        assert error is not None and error.startswith("receiver_removed")
        (event,) = logged(svc, "notifications_receiver_removed")
        assert (event["receiver"], event["dropped"]) == ("ops", 1)
    finally:
        svc.close()


def test_at_start_the_queue_of_a_receiver_no_longer_configured_is_dropped_and_counted(
    tmp_path: Path, site: PageServer, receiver: PageServer
) -> None:
    hook = f"  webhooks: [{{name: ops, url: '{receiver.url('/hook')}'}}]\n"
    svc = Service(tmp_path, config(site, "", hook))

    async def queue() -> None:
        svc.db.parent.mkdir(parents=True)
        store = await Store.open(svc.db)
        now = time.time()
        items = [OutboxItem(r, f"k{i}", "{}", now) for i, r in enumerate(["gone", "gone", "ops"])]
        await store.save_alerts({}, [*items, OutboxItem("gone", "k3", "{}", now)])
        await store.outbox_done(4, now, dropped=True, error="max_age passed")  # already gone
        await store.close()

    asyncio.run(queue())
    svc.start()
    dropped = "tickerwatch_notifications_dropped_total"
    try:
        wait_for(
            lambda: value(svc, dropped, receiver="gone", reason="receiver_removed") == 2,
            what="gone's two queued notifications counted as dropped",
        )
        (event,) = logged(svc, "notifications_receiver_removed")
        assert (event["receiver"], event["dropped"]) == ("gone", 2)
        rows = outbox(svc)
        assert [(r, x) for r, _, x, _ in rows] == [
            ("gone", True), ("gone", True), ("ops", False), ("gone", True),
        ]  # fmt: skip
        assert [str(e).split(":")[0] for _, _, _, e in rows[:2]] == ["receiver_removed"] * 2
        assert rows[3][3] == "max_age passed"  # the one dropped before keeps its reason
        assert list(notifiers(svc)) == ["ops"]
    finally:
        svc.close()
