"""Conflicts, conditional GET, the poll log event and shutdown with a poll in flight."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import pages
from support.httpserver import PageServer, trickle, with_etag
from support.pages import DEC_08, Line
from support.service import Service, config_text, sample, wait_for


def poll_events(svc: Service) -> list[dict[str, object]]:
    events = []
    for line in svc.log.read_text().splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if event.get("event") == "poll":
                events.append(event)
    return events


def test_conflicting_copies_are_counted_and_logged(service: Service, site: PageServer) -> None:
    odd = tuple(Line(x.pair, "0.00199", x.change) if x.pair == "KZT/USD" else x for x in DEC_08)
    copies = [DEC_08] * 5 + [odd] * 3
    items = "".join(f"<li>&#8226; {x.text}</li>" for block in copies for x in block)
    site.page("/", pages.page(f"<ul>{items}</ul>"))
    labels = {"source": "timesca", "base": "KZT", "quote": "USD"}
    wait_for(
        lambda: sample(service.metrics(), "tickerwatch_ticker_conflicts_total", **labels),
        what="a conflict",
    )
    assert sample(service.metrics(), "tickerwatch_exchange_rate", **labels) == 0.00196
    conflicts = service.get("/api/v1/sources").json()["sources"][0]["conflicts"]
    assert conflicts == [
        {"pair": "KZT/USD", "values": ["0.00196 -0% ×5", "0.00199 -0% ×3"], "chosen": "0.00196 -0%"}
    ]
    logged = [json.loads(x) for x in service.log.read_text().splitlines() if "ticker_conflict" in x]
    assert logged and logged[0]["pair"] == "KZT/USD" and logged[0]["level"] == "warning"


def test_each_poll_is_one_structured_log_event(service: Service) -> None:
    event = wait_for(lambda: poll_events(service), what="a poll event")[0]
    assert event["source"] == "timesca" and event["result"] == "ok" and event["level"] == "info"
    assert event["entries"] == 40
    assert event["pairs"] == {
        "KGS/USD": "0.01144", "KZT/USD": "0.00196", "TJS/USD": "0.10899",
        "UZS/USD": "0.00008", "TMT/USD": "0.28490",
    }  # fmt: skip
    assert isinstance(event["duration"], float) and event["timestamp"]


def test_unchanged_and_not_modified_pages_are_not_reparsed(tmp_path: Path) -> None:
    body = pages.list_items(DEC_08).encode()

    with PageServer() as site:
        site.route("/etag", with_etag(body, '"a"'))
        site.page("/same", body)
        sources = (
            f"  - name: etag\n    url: {site.url('/etag')}\n"
            f"  - name: same\n    url: {site.url('/same')}\n"
        )
        svc = Service(tmp_path, config_text(sources)).start()
        try:

            def results(name: str) -> list[object]:
                return [e["result"] for e in poll_events(svc) if e["source"] == name]

            wait_for(lambda: "not_modified" in results("etag"), what="a 304 poll")
            wait_for(lambda: "unchanged" in results("same"), what="an unchanged poll")
            assert results("etag")[0] == "ok" and results("same")[0] == "ok"
            labels = {"source": "etag", "base": "KZT", "quote": "USD"}
            assert sample(svc.metrics(), "tickerwatch_exchange_rate", **labels) == 0.00196
            assert sample(svc.metrics(), "tickerwatch_source_up", source="etag") == 1
        finally:
            svc.close()


def test_sigterm_with_a_poll_in_flight_exits_0_quickly(tmp_path: Path) -> None:
    with PageServer() as site:
        site.route("/slow", lambda r: trickle(r, b"x" * 1000, every=0.05))
        sources = f"  - name: slow\n    url: {site.url('/slow')}\n    timeout: 60s\n"
        svc = Service(tmp_path, config_text(sources)).start()
        try:
            wait_for(lambda: site.hits("/slow"), what="the poll to start")
            started = time.monotonic()
            assert svc.stop(signal.SIGTERM) == 0
            assert time.monotonic() - started < 6
            assert '"event": "stopped"' in svc.log.read_text()
        finally:
            svc.close()


def test_parse_reads_standard_input() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "parse", "-"],
        input=pages.plain_ticker(DEC_08, copies=2),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "10 ticker entries, 5 pairs, 0 conflicts" in done.stdout
    assert "KZT/USD      0.00196      -0%      2" in done.stdout
