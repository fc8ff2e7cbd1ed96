"""Notifications through Apprise, end to end: the real service sends a firing and a resolved
alert through Apprise's `json://` scheme to local receivers, from the durable outbox, with
the Idempotency-Key header; a target that fails is retried without a second copy to the
one that took it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import pages
from support.httpserver import PageServer, send
from support.pages import DEC_08, Line
from support.service import Service, config_text, sample, wait_for

KZT_LOW = (
    "alerts:\n  - {name: KZTLow, pairs: [KZT/USD], rate: {below: 0.00195},"
    " severity: critical, summary: '{pair} is {value}'}\n"
)


def kzt(rate: str) -> str:
    return pages.list_items(
        tuple(Line(x.pair, rate, "-0") if x.pair == "KZT/USD" else x for x in DEC_08)
    )


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.page("/", kzt("0.00190"))
        yield server


def test_a_firing_and_a_resolved_alert_reach_every_apprise_target_once(
    tmp_path: Path, site: PageServer
) -> None:
    answers = iter([500])  # the second target fails its first notification once

    def flaky(req: Any) -> None:
        send(req, next(answers, 200), b"{}", {"Content-Type": "application/json"})

    with PageServer() as chat:
        chat.on_post("/flaky", flaky)
        notify = (
            "notify:\n  apprise:\n    - name: chat\n      urls:\n"
            f"        - json://127.0.0.1:{chat.httpd.server_address[1]}/ok\n"
            f"        - json://127.0.0.1:{chat.httpd.server_address[1]}/flaky\n"
        )
        sources = f"  - name: timesca\n    url: {site.url('/')}\n    interval: 1s\n"
        svc = Service(tmp_path, config_text(sources, KZT_LOW + notify)).start()
        try:
            wait_for(lambda: len(chat.posted("/flaky")) >= 2, what="the retry to the flaky one")
            site.page("/", kzt("0.00196"))  # back above the threshold: resolves
            wait_for(lambda: len(chat.posted("/ok")) == 2, what="the resolve")
            wait_for(lambda: len(chat.posted("/flaky")) == 3, what="the resolve, flaky")
            firing, resolved = (json.loads(p.body) for p in chat.posted("/ok"))
            assert (firing["title"], firing["message"], firing["type"]) == (
                "[FIRING] KZTLow", "KZT/USD is 0.00190", "failure",
            )  # fmt: skip
            assert (resolved["title"], resolved["type"]) == ("[RESOLVED] KZTLow", "success")
            assert resolved["message"] == (
                "KZT/USD is 0.00190\nResolved: back to 0.00196 (it fired at 0.00190)"
            )
            keys = [p.headers["Idempotency-Key"] for p in chat.posted("/ok")]
            flaky_keys = [p.headers["Idempotency-Key"] for p in chat.posted("/flaky")]
            assert flaky_keys == [keys[0], keys[0], keys[1]]  # the retry: the same key
            sent = "tickerwatch_notifications_total"
            wait_for(lambda: sample(svc.metrics(), sent, receiver="chat") == 2, what="2 sent")
            metrics = svc.metrics()
            failed = sample(
                metrics, "tickerwatch_notification_failures_total",
                receiver="chat", reason="http_status",
            )  # fmt: skip
            assert failed == 1
            (status,) = svc.get("/api/v1/notifiers").json()["notifiers"]
            assert status["receiver"] == "chat" and "1 of 2 targets failed" in status["last_error"]
        finally:
            svc.close()
