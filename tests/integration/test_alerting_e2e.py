"""Threshold alerts end to end: the real service, the real Alertmanager, webhook receivers."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import pages
from support.alertmanager import Alertmanager
from support.httpserver import PageServer, Post, free_port
from support.pages import DEC_08, Line
from support.service import Service, config_text, sample, wait_for

KZT_BELOW = (
    "alerts:\n"
    "  - name: KZTWeakening\n"
    "    pairs: [KZT/USD]\n"
    "    rate: {below: 0.00195}\n"
    "    for: 2s\n"
    "    severity: critical\n"
    "    summary: '{pair} at {value} ({threshold})'\n"
)


kzt = pages.with_kzt


def sources(site: PageServer) -> str:
    return f"  - name: timesca\n    url: {site.url('/')}\n"


def both_paths(receiver: PageServer, alertmanager: Alertmanager) -> str:
    """Notify through Alertmanager (whose webhook posts to /am) and directly to /direct."""
    return (
        "notify:\n"
        f"  alertmanager: {{urls: ['{alertmanager.url}'], resend_interval: 1s}}\n"
        f"  webhooks: [{{name: ops, url: '{receiver.url('/direct')}'}}]\n"
    )


def direct(receiver: PageServer) -> list[Post]:
    return [p for p in receiver.posts if p.path == "/direct"]


def via_am(receiver: PageServer) -> list[Post]:
    return [p for p in receiver.posts if p.path == "/am"]


def statuses(posts: list[Post]) -> list[str]:
    return [p.json()["status"] for p in posts]


@pytest.fixture
def receiver() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.page("/", kzt("0.00196"))
        yield server


@pytest.fixture
def alertmanager(tmp_path: Path, receiver: PageServer) -> Iterator[Alertmanager]:
    am = Alertmanager(tmp_path, receiver.url("/am")).start()
    try:
        yield am
    finally:
        am.stop()


def test_crossing_fires_after_for_then_resolves_on_both_paths(
    tmp_path: Path, site: PageServer, receiver: PageServer, alertmanager: Alertmanager
) -> None:
    notify = both_paths(receiver, alertmanager)
    svc = Service(tmp_path, config_text(sources(site), KZT_BELOW + notify)).start()
    try:
        wait_for(
            lambda: sample(svc.metrics(), "tickerwatch_exchange_rate", base="KZT"), what="a rate"
        )
        site.page("/", kzt("0.00190"))
        pending = wait_for(lambda: svc.get("/api/v1/alerts").json()["alerts"], what="pending")
        assert pending[0]["state"] == "pending" and pending[0]["value"] == "0.00190"
        assert 'state="pending"' in svc.metrics()
        wait_for(lambda: direct(receiver), what="the direct firing notification")
        (fired,) = direct(receiver)
        body = fired.json()
        assert body["version"] == "4" and body["status"] == "firing" and body["receiver"] == "ops"
        alert = body["alerts"][0]
        assert alert["labels"] == {
            "alertname": "KZTWeakening", "severity": "critical", "source": "timesca",
            "base": "KZT", "quote": "USD", "pair": "KZT/USD",
        }  # fmt: skip
        assert alert["annotations"]["summary"] == "KZT/USD at 0.00190 (below 0.00195)"
        assert fired.headers["Idempotency-Key"].endswith(
            "-firing-" + fired.headers["Idempotency-Key"].rsplit("-", 1)[1]
        )
        wait_for(
            lambda: "firing" in statuses(via_am(receiver)),
            what="Alertmanager's firing notification",
        )
        assert (
            sample(svc.metrics(), "tickerwatch_alerts", alertname="KZTWeakening", state="firing")
            == 1
        )
        assert "KZTWeakening" in svc.get("/").text

        site.page("/", kzt("0.00196"))
        wait_for(
            lambda: statuses(direct(receiver)) == ["firing", "resolved"], what="direct resolved"
        )
        wait_for(
            lambda: statuses(via_am(receiver))[-1:] == ["resolved"], what="Alertmanager resolved"
        )
        assert statuses(via_am(receiver)).count("firing") == 1
        assert svc.get("/api/v1/alerts").json()["alerts"] == []
        wait_for(
            lambda: (
                sample(svc.metrics(), "tickerwatch_notifications_total", receiver="ops") == 2
                and sample(svc.metrics(), "tickerwatch_notification_queue_length", receiver="ops")
                == 0
            ),
            what="both notifications counted and the outbox empty",
        )
        assert sample(svc.metrics(), "tickerwatch_notifier_up", receiver="ops") == 1
    finally:
        svc.close()


def test_sigkill_while_firing_loses_nothing_and_repeats_only_under_the_same_key(
    tmp_path: Path, site: PageServer, receiver: PageServer, alertmanager: Alertmanager
) -> None:
    """Delivery is at least once: a kill between a webhook POST and its outbox record sends
    that POST again after the restart, with the same Idempotency-Key. No new transition is
    made (the alert stays firing), and Alertmanager, which de-duplicates by labels, passes
    the firing alert on once."""
    notify = both_paths(receiver, alertmanager)
    site.page("/", kzt("0.00190"))
    svc = Service(tmp_path, config_text(sources(site), KZT_BELOW + notify)).start()
    try:
        wait_for(lambda: direct(receiver), what="firing")
        wait_for(lambda: via_am(receiver), what="firing via Alertmanager")
        assert svc.stop(signal.SIGKILL) == -signal.SIGKILL
        svc.start()
        alerts = svc.get("/api/v1/alerts").json()["alerts"]
        assert [(a["alertname"], a["state"]) for a in alerts] == [("KZTWeakening", "firing")]
        wait_for(
            lambda: (
                (sample(svc.metrics(), "tickerwatch_source_polls_total", source="timesca") or 0)
                >= 4
            ),
            what="four polls after the restart",
        )
        wait_for(
            lambda: sample(
                svc.metrics(),
                "tickerwatch_notifications_total",
                receiver=f"alertmanager:127.0.0.1:{alertmanager.port}",
            ),
            what="a resend to Alertmanager",
        )
        wait_for(
            lambda: (
                sample(svc.metrics(), "tickerwatch_notification_queue_length", receiver="ops") == 0
            ),
            what="the outbox drained",
        )
        posts = direct(receiver)
        assert statuses(posts)[0] == "firing"
        assert {p.headers["Idempotency-Key"] for p in posts} == {
            posts[0].headers["Idempotency-Key"]
        }, "a repeat carries the first POST's key"
        assert {p.body for p in posts} == {posts[0].body}
        assert statuses(via_am(receiver)) == ["firing"]
    finally:
        svc.close()


def test_a_receiver_down_then_up_gets_every_transition_once_in_order(
    tmp_path: Path, site: PageServer
) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/direct"
    rules = KZT_BELOW.replace("for: 2s", "for: 0s")
    notify = f"notify:\n  webhooks: [{{name: ops, url: '{hook}', max_backoff: 1s}}]\n"
    svc = Service(tmp_path, config_text(sources(site), rules + notify)).start()
    try:
        for rate, state in [
            ("0.00190", "firing"),
            ("0.00196", "resolved"),
            ("0.00190", "firing"),
            ("0.00196", "resolved"),
        ]:
            site.page("/", kzt(rate))
            wait_for(
                lambda want=state: (  # type: ignore[misc]
                    ("firing" if svc.get("/api/v1/alerts").json()["alerts"] else "resolved") == want
                ),
                what=state,
            )
        wait_for(
            lambda: (
                sample(svc.metrics(), "tickerwatch_notification_queue_length", receiver="ops") == 4
            ),
            what="4 queued",
        )
        failed = "tickerwatch_notification_failures_total"
        assert (sample(svc.metrics(), failed, receiver="ops", reason="connect") or 0) >= 1
        with PageServer(port) as receiver:
            wait_for(
                lambda: len(direct(receiver)) >= 4,
                timeout=20,
                what="delivery after the receiver returns",
            )
            posts = direct(receiver)
            keys = [p.headers["Idempotency-Key"] for p in posts]
            assert statuses([posts[keys.index(k)] for k in dict.fromkeys(keys)]) == [
                "firing",
                "resolved",
                "firing",
                "resolved",
            ]
            assert len(set(keys)) == 4
            wait_for(
                lambda: (
                    sample(svc.metrics(), "tickerwatch_notification_queue_length", receiver="ops")
                    == 0
                ),
                what="empty queue",
            )
    finally:
        svc.close()


def test_one_printed_step_of_uzs_fires_no_5_percent_rule_under_strict_rounding(
    tmp_path: Path, site: PageServer
) -> None:
    def uzs(rate: str) -> str:
        return pages.list_items(
            tuple(Line(x.pair, rate, "0") if x.pair == "UZS/USD" else x for x in DEC_08)
        )

    rules = (
        "alerts:\n"
        "  - {name: UZSJumpStrict, pairs: [UZS/USD], change: {window: 2s, above: 0.05}}\n"
        "  - {name: UZSJumpPrinted, pairs: [UZS/USD], change: {window: 2s, above: 0.05},\n"
        "     rounding: ignore}\n"
    )
    site.page("/", uzs("0.00008"))
    svc = Service(tmp_path, config_text(sources(site), rules)).start()
    try:
        wait_for(
            lambda: (
                (sample(svc.metrics(), "tickerwatch_source_polls_total", source="timesca") or 0)
                >= 3
            ),
            what="history",
        )
        site.page("/", uzs("0.00009"))
        seen: set[str] = set()

        def polls_while_watching() -> bool:
            seen.update(a["alertname"] for a in svc.get("/api/v1/alerts").json()["alerts"])
            polls = sample(svc.metrics(), "tickerwatch_source_polls_total", source="timesca")
            return "UZSJumpPrinted" in seen and (polls or 0) >= 8

        wait_for(polls_while_watching, what="the control rule to fire")
        # +12.5% as printed fires the control rule; strict rounding sees no sure 5% move.
        assert "UZSJumpStrict" not in seen
    finally:
        svc.close()
