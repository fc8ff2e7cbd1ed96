"""Faults of the schedule under the real service: polls that cannot run when planned."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from support import pages
from support.httpserver import PageServer, send
from support.pages import DEC_08
from support.service import Service, config_text, logged, sample, wait_for

GOOD = pages.list_items(DEC_08).encode()


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
