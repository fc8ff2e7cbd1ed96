"""Faults of the schedule under the real service: polls that cannot run when planned, a
SIGTERM while a poll is in flight."""

from __future__ import annotations

import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from support import pages
from support.httpserver import PageServer, send
from support.pages import DEC_08, Line
from support.service import Service, config_text, logged, sample, wait_for

GOOD = pages.list_items(DEC_08).encode()
MOVED = pages.list_items(
    tuple(Line(x.pair, "0.00190", "-3.06") if x.pair == "KZT/USD" else x for x in DEC_08)
).encode()


def slow(req: BaseHTTPRequestHandler) -> None:
    time.sleep(3.5)
    send(req, 200, GOOD, {"Content-Type": "text/html"})


def test_polls_skipped_while_the_last_one_runs_are_counted_and_logged_once_a_minute(
    tmp_path: Path,
) -> None:
    with PageServer() as site:
        url = site.route("/slow", slow)
        config = config_text(f"  - name: slow\n    url: {url}\n").replace(
            "timeout: 3s", "timeout: 5s"
        )
        svc = Service(tmp_path, config).start()
        try:
            skipped = "tickerwatch_source_polls_skipped_total"
            wait_for(
                lambda: (sample(svc.metrics(), skipped, source="slow") or 0) >= 4,
                what="skipped polls counted",
            )
            (event,) = logged(svc, "polls_skipped")
            assert event["job"] == "poll:slow" and event["why"] == "still running"
            assert "maximum number of running instances" not in svc.log.read_text()
        finally:
            svc.close()


def test_sigterm_during_a_poll_lets_it_finish_within_the_grace(tmp_path: Path) -> None:
    started = threading.Event()

    def slow_once_started(req: BaseHTTPRequestHandler) -> None:
        started.set()
        time.sleep(1.5)  # within the 3 s grace
        send(req, 200, MOVED, {"Content-Type": "text/html"})

    with PageServer() as site:
        url = site.page("/", GOOD)
        svc = Service(tmp_path, config_text(f"  - name: slow\n    url: {url}\n")).start()
        try:
            wait_for(lambda: site.hits("/") >= 1, what="the first poll")
            site.route("/", slow_once_started)
            assert started.wait(10)
            assert svc.stop() == 0
        finally:
            svc.close()
    (last,) = [e for e in logged(svc, "poll") if e["result"] != "unchanged"][-1:]
    assert last["result"] == "ok" and last["pairs"]["KZT/USD"] == "0.00190"
    assert [e for e in logged(svc, "stopping")]
    assert '"level": "error"' not in svc.log.read_text()
    with sqlite3.connect(svc.db) as db:
        rates = [
            r for (r,) in db.execute("SELECT rate FROM history WHERE quote='USD' AND base='KZT'")
        ]
    assert rates[-1] == "0.00190"


def test_a_poll_still_running_after_the_grace_is_cancelled_with_one_warning(
    tmp_path: Path,
) -> None:
    started = threading.Event()

    def stuck(req: BaseHTTPRequestHandler) -> None:
        started.set()
        time.sleep(8)

    with PageServer() as site:
        url = site.route("/", stuck)
        config = config_text(f"  - name: stuck\n    url: {url}\n").replace(
            "timeout: 3s", "timeout: 20s"
        )
        svc = Service(tmp_path, config).start()
        try:
            assert started.wait(10)
            assert svc.stop() == 0
        finally:
            svc.close()
    (event,) = logged(svc, "poll_cancelled")
    assert event["source"] == "stuck" and event["level"] == "warning"
    assert '"level": "error"' not in svc.log.read_text()
