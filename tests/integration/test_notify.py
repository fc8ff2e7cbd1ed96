"""Notifications as receivers really answer them, against the real service and real local
receivers: each HTTP answer counted for what it is, one receiver's trouble never reaching
another, a proxy per receiver."""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from support import pages
from support.httpserver import BlackHole, PageServer, Post, answer, free_port, send
from support.proxy import ForwardProxy, via_proxy
from support.service import Service, config_text, logged, sample, wait_for

ROOT = Path(__file__).resolve().parents[2]
# Fires on the first poll of a page showing KZT/USD 0.00190, resolves when it shows 0.00196.
KZT_LOW = "alerts:\n  - {name: KZTLow, pairs: [KZT/USD], rate: {below: 0.00195}}\n"


kzt = pages.with_kzt


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.page("/", kzt("0.00190"))
        yield server


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def config(site: PageServer, notify: str) -> str:
    sources = f"  - name: timesca\n    url: {site.url('/')}\n"
    return config_text(sources, KZT_LOW + "notify:\n" + notify)


def service(tmp_path: Path, site: PageServer, notify: str) -> Service:
    return Service(tmp_path, config(site, notify))


def webhooks(*hooks: str) -> str:
    return "  webhooks:\n" + "".join(f"    - {{{hook}}}\n" for hook in hooks)


def counter(svc: Service, name: str, **labels: str) -> float:
    return sample(svc.metrics(), name, **labels) or 0.0


def failures(svc: Service, receiver: str, reason: str) -> float:
    return counter(svc, "tickerwatch_notification_failures_total", receiver=receiver, reason=reason)


def settled(svc: Service, receiver: str, delivered: int, queued: int) -> bool:
    """The receiver's delivered counter and queue length are these (both are updated in
    the round that delivers: wait for both, not one)."""
    text = svc.metrics()
    return (
        sample(text, "tickerwatch_notifications_total", receiver=receiver) == delivered
        and sample(text, "tickerwatch_notification_queue_length", receiver=receiver) == queued
    )


def notifiers(svc: Service) -> dict[str, dict[str, Any]]:
    """/api/v1/notifiers by receiver."""
    return {n["receiver"]: n for n in svc.get("/api/v1/notifiers").json()["notifiers"]}


def statuses(posts: list[Post]) -> list[str]:
    return [p.json()["status"] for p in posts]


def resolved_in(post: Post) -> bool:
    """An Alertmanager API v2 post whose alerts had ended when it was sent."""
    ends = [datetime.fromisoformat(a["endsAt"]).timestamp() for a in post.json()]
    return bool(ends) and all(end <= post.at for end in ends)


def test_a_redirect_is_a_failed_delivery_and_the_payload_goes_nowhere(
    tmp_path: Path, site: PageServer
) -> None:
    with PageServer() as receiver, PageServer() as elsewhere:
        receiver.on_post("/r301", answer(301, {"Location": "/final"}))
        receiver.on_post("/r302", answer(302, {"Location": "/final"}))
        receiver.on_post("/r307", answer(307, {"Location": elsewhere.url("/final")}))
        receiver.on_post("/r308", answer(308, {"Location": elsewhere.url("/final")}))
        names = ["r301", "r302", "r307", "r308"]
        hooks = [f"name: {n}, url: '{receiver.url('/' + n)}', max_backoff: 1s" for n in names]
        svc = service(tmp_path, site, webhooks(*hooks)).start()
        try:
            for name in names:
                wait_for(
                    lambda n=name: failures(svc, n, "redirect") >= 2,  # type: ignore[misc]
                    what=f"{name}: redirects counted as failed attempts and retried",
                )
            text = svc.metrics()
            for name in names:
                assert sample(text, "tickerwatch_notifications_total", receiver=name) == 0
                assert sample(text, "tickerwatch_notification_queue_length", receiver=name) == 1
            assert receiver.hits("/final") == 0 and receiver.posted("/final") == []
            assert elsewhere.requests == [] and elsewhere.posts == []
            assert {str(e["reason"]) for e in logged(svc, "notification_failed")} == {"redirect"}
            seen = notifiers(svc)
            for name in names:
                assert seen[name]["up"] is True and seen[name]["queued"] == 1
                assert seen[name]["delivered"] == 0 and seen[name]["failed_attempts"] >= 2
                assert seen[name]["last_error"] == f"redirect: HTTP {name[1:]}"
        finally:
            svc.close()


def test_a_rejected_notification_is_dropped_once_and_the_next_one_goes_out(
    tmp_path: Path, site: PageServer
) -> None:
    answers = iter([400])

    def first_rejected(req: BaseHTTPRequestHandler) -> None:
        send(req, next(answers, 200), b"{}")

    with PageServer() as receiver:
        receiver.on_post("/hook", first_rejected)
        hook = f"name: ops, url: '{receiver.url('/hook')}', max_backoff: 1s"
        svc = service(tmp_path, site, webhooks(hook)).start()
        try:
            wait_for(lambda: receiver.posted("/hook"), what="the firing notification")
            site.page("/", kzt("0.00196"))
            wait_for(
                lambda: settled(svc, "ops", delivered=1, queued=0),
                what="the resolved notification delivered behind the rejected one",
            )
            assert statuses(receiver.posted("/hook")) == ["firing", "resolved"]
            text = svc.metrics()
            dropped = "tickerwatch_notifications_dropped_total"
            assert sample(text, dropped, receiver="ops", reason="rejected") == 1
            assert sample(text, dropped, receiver="ops", reason="expired") == 0
            assert (
                sample(text, "tickerwatch_notification_failures_total", receiver="ops",
                       reason="rejected") == 1
            )  # fmt: skip
            (rejected,) = logged(svc, "notification_rejected")
            assert rejected["status"] == 400 and rejected["receiver"] == "ops"
            ops = notifiers(svc)["ops"]
            assert (ops["delivered"], ops["dropped"], ops["queued"]) == (1, 1, 0)
            assert ops["last_error"] == "rejected: HTTP 400" and ops["last_delivered"]
        finally:
            svc.close()


def test_a_stuck_receiver_delays_no_other(tmp_path: Path, site: PageServer) -> None:
    """A webhook that never answers and a black-holed Alertmanager (both with a 1 h
    timeout): the other webhook and the other Alertmanager still get firing and resolved."""
    release = threading.Event()

    def stuck(req: BaseHTTPRequestHandler) -> None:
        release.wait(120)
        send(req, 200, b"{}")

    with PageServer() as receiver, PageServer() as healthy_am, BlackHole() as hole:
        receiver.on_post("/stuck", stuck)
        notify = webhooks(
            f"name: stuck, url: '{receiver.url('/stuck')}', timeout: 1h",
            f"name: fast, url: '{receiver.url('/fast')}'",
        ) + (
            f"  alertmanager: {{urls: ['{hole.url}', '{healthy_am.base}'],"
            " resend_interval: 1s, timeout: 1h}\n"
        )
        svc = service(tmp_path, site, notify).start()
        try:
            wait_for(lambda: receiver.posted("/fast"), what="firing at the fast webhook")
            wait_for(lambda: healthy_am.posts, what="firing at the healthy Alertmanager")
            site.page("/", kzt("0.00196"))
            wait_for(
                lambda: statuses(receiver.posted("/fast")) == ["firing", "resolved"],
                what="resolved at the fast webhook",
            )
            wait_for(
                lambda: any(resolved_in(p) for p in healthy_am.posts),
                what="the resolution at the healthy Alertmanager",
            )
            assert len(receiver.posted("/stuck")) == 1 and not release.is_set()
            wait_for(
                lambda: (
                    settled(svc, "stuck", delivered=0, queued=2)
                    and settled(svc, "fast", delivered=2, queued=0)
                ),
                what="the stuck webhook's queue counted while it waits",
            )
            text = svc.metrics()
            for name in (
                "stuck",
                "fast",
                "alertmanager:" + healthy_am.base.removeprefix("http://"),
            ):
                assert sample(text, "tickerwatch_notifier_up", receiver=name) == 1
        finally:
            release.set()
            svc.close()


def test_notifications_go_through_their_receivers_proxy_url(
    tmp_path: Path, site: PageServer
) -> None:
    with ForwardProxy(tmp_path) as proxy, PageServer() as receiver:
        notify = webhooks(
            f"name: proxied, url: '{receiver.url('/proxied')}', proxy_url: '{proxy.url}'",
            f"name: direct, url: '{receiver.url('/direct')}'",
        ) + (
            f"  alertmanager: {{urls: ['{receiver.base}'], proxy_url: '{proxy.url}',"
            " resend_interval: 1s}\n"
        )
        svc = service(tmp_path, site, notify).start()
        try:
            for path in ("/proxied", "/direct", "/api/v2/alerts"):
                wait_for(lambda p=path: receiver.posted(p), what=f"a POST to {path}")  # type: ignore[misc]
            assert via_proxy(receiver.posted("/proxied")[0].headers)
            assert via_proxy(receiver.posted("/api/v2/alerts")[0].headers)
            assert not via_proxy(receiver.posted("/direct")[0].headers)
        finally:
            svc.close()


def test_every_metric_the_self_monitoring_rules_read_is_exported_per_receiver(
    tmp_path: Path, site: PageServer
) -> None:
    """The promtool tests feed the rules made-up series: these are the real ones, for
    webhook and Alertmanager receivers that fail (nothing listens on their ports)."""
    dead = f"http://127.0.0.1:{free_port()}"
    notify = webhooks(f"name: ops, url: '{dead}/hook', max_backoff: 1s") + (
        f"  alertmanager: {{urls: ['{dead}'], resend_interval: 1s}}\n"
    )
    svc = service(tmp_path, site, notify).start()
    receivers = ["ops", f"alertmanager:{dead.removeprefix('http://')}"]
    try:
        for name in receivers:
            wait_for(
                lambda n=name: failures(svc, n, "connect") >= 2,  # type: ignore[misc]
                what=f"failed deliveries to {name}",
            )
        text = svc.metrics()
        rules = (ROOT / "deploy" / "prometheus" / "tickerwatch-self.rules.yml").read_text()
        used = set(re.findall(r"\btickerwatch_[a-z_]+", rules))
        exported = {line.split("{")[0].split(" ")[0] for line in text.splitlines()}
        assert used - {"tickerwatch"} <= exported
        for name in receivers:
            assert (sample(text, "tickerwatch_notification_queue_length", receiver=name) or 0) > 0
            assert sample(text, "tickerwatch_notifier_up", receiver=name) == 1
            assert sample(text, "tickerwatch_notifications_total", receiver=name) == 0
    finally:
        svc.close()


def test_a_reload_that_removes_a_receiver_removes_its_series(
    tmp_path: Path, site: PageServer
) -> None:
    """Otherwise a removed receiver's notifier_up would read 0 forever (and page someone)."""
    with PageServer() as receiver:
        ops = f"name: ops, url: '{receiver.url('/ops')}'"
        old = f"name: old, url: '{receiver.url('/old')}'"
        svc = service(tmp_path, site, webhooks(ops, old)).start()
        try:
            wait_for(lambda: receiver.posted("/old"), what="a notification to old")
            new = config(site, webhooks(ops)).replace("{port}", str(svc.port))
            svc.config.write_text(new.replace("{db}", str(svc.db)))
            assert svc.proc is not None
            svc.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: list(notifiers(svc)) == ["ops"], what="the reload without old")
            text = svc.metrics()
            assert sample(text, "tickerwatch_notifier_up", receiver="old") is None
            assert sample(text, "tickerwatch_notification_queue_length", receiver="old") is None
            assert sample(text, "tickerwatch_notifier_up", receiver="ops") == 1
        finally:
            svc.close()
