"""An HA pair: two replicas of one shard, each its own SQLite, both sending to the real
Alertmanager, which deduplicates them by labels: one notification per transition, none
lost when one replica is SIGKILLed, one resolve when the page recovers."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import pages
from support.alertmanager import Alertmanager
from support.httpserver import PageServer, Post
from support.service import Service, config_text, sample, wait_for

RULE = (
    "alerts:\n"
    "  - {name: KZTWeakening, pairs: [KZT/USD], rate: {below: 0.00195}, severity: critical}\n"
)


kzt = pages.with_kzt


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.page("/", kzt("0.00196"))
        yield server


@pytest.fixture
def receiver() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


def notified(receiver: PageServer) -> list[str]:
    posts: list[Post] = receiver.posts
    return [status for p in posts for status in [p.json()["status"]]]


def sends(svc: Service, am: Alertmanager) -> float:
    receiver = f"alertmanager:127.0.0.1:{am.port}"
    return sample(svc.metrics(), "tickerwatch_notifications_total", receiver=receiver) or 0


def test_an_ha_pair_notifies_once_through_alertmanager_even_when_one_replica_dies(
    tmp_path: Path, site: PageServer, receiver: PageServer
) -> None:
    am = Alertmanager(tmp_path, receiver.url("/am")).start()
    notify = f"notify:\n  alertmanager: {{urls: ['{am.url}'], resend_interval: 1s}}\n"
    text = config_text(f"  - name: timesca\n    url: {site.url('/')}\n", RULE + notify)
    replicas = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            svc = Service(tmp_path / name, text)
            svc.env = {"TICKERWATCH_REPLICA": name}
            replicas.append(svc.start())
        a, b = replicas
        assert a.db != b.db  # each its own history
        site.page("/", kzt("0.00190"))
        for svc in replicas:  # both fire and send to Alertmanager
            wait_for(lambda s=svc: sends(s, am) >= 2, what="both replicas sending")
        wait_for(lambda: notified(receiver), what="the firing notification")
        labels = [
            [x for x in s.get("/api/v1/alerts").json()["alerts"] if x["state"] == "firing"]
            for s in replicas
        ]
        assert labels[0][0]["labels"] == labels[1][0]["labels"]  # what Alertmanager merges
        assert [x["labels"]["alertname"] for x in am.alerts()] == ["KZTWeakening"]

        assert b.stop(signal.SIGKILL) == -signal.SIGKILL
        # b's last alert ends 4 resend intervals after it was sent: let a resend past that
        after_kill = sends(a, am)
        wait_for(lambda: sends(a, am) >= after_kill + 6, what="a resending after b died")
        assert notified(receiver) == ["firing"]  # no resolve, no second notification
        assert len(receiver.posts[0].json()["alerts"]) == 1  # one alert, not one per replica
        assert [x["status"]["state"] for x in am.alerts()] == ["active"]

        site.page("/", kzt("0.00196"))
        wait_for(lambda: notified(receiver)[-1:] == ["resolved"], what="the resolve")
        resolved_at = sends(a, am)
        wait_for(lambda: sends(a, am) >= resolved_at + 3, what="a resending the resolve")
        assert notified(receiver) == ["firing", "resolved"]
    finally:
        for svc in replicas:
            svc.close()
        am.stop()


def test_webhooks_refuse_to_start_in_the_second_replica(tmp_path: Path) -> None:
    config = tmp_path / "tw.yaml"
    config.write_text(
        "notify: {webhooks: [{name: ops, url: 'http://127.0.0.1:9/hook'}]}\n"
        "sources: [{name: a, url: 'http://127.0.0.1:9/'}]\n"
    )
    run = [sys.executable, "-m", "tickerwatch", "run", "-c", str(config), "--replica", "b"]
    done = subprocess.run(run, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "this is HA replica 'b', and only replica 'a'" in done.stderr


def test_a_reload_that_adds_webhooks_to_replica_b_is_refused_and_changes_nothing(
    tmp_path: Path, site: PageServer
) -> None:
    sources = f"  - name: timesca\n    url: {site.url('/')}\n"
    lifecycle = 'web: {listen: "127.0.0.1:{port}", enable_lifecycle: true}'
    text = config_text(sources).replace('web: {listen: "127.0.0.1:{port}"}', lifecycle)
    svc = Service(tmp_path, text)
    svc.env = {"TICKERWATCH_REPLICA": "b"}
    svc.start()
    try:
        hooks = "notify: {webhooks: [{name: ops, url: 'http://127.0.0.1:9/hook'}]}\n"
        svc.config.write_text(svc.config.read_text() + hooks)
        answer = svc.client.post("/-/reload")
        assert answer.status_code == 500
        assert "this is HA replica 'b', and only replica 'a'" in answer.text
        assert sample(svc.metrics(), "tickerwatch_config_last_reload_successful") == 0
        assert svc.get("/api/v1/notifiers").json() == {"notifiers": []}
    finally:
        svc.close()
