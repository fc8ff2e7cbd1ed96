"""The real service as a subprocess, polling a real local page server."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from support import pages
from support.httpserver import PageServer, send
from support.pages import DEC_08, Line
from support.service import Service, sample, wait_for

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
MOVED = tuple(Line(x.pair, "0.00190", "-3.06") if x.pair == "KZT/USD" else x for x in DEC_08)
KZT = {"source": "timesca", "base": "KZT", "quote": "USD"}


def rate(svc: Service, labels: dict[str, str] = KZT) -> float | None:
    return sample(svc.metrics(), "tickerwatch_exchange_rate", **labels)


def test_metrics_and_api_follow_a_changing_page(service: Service, site: PageServer) -> None:
    assert wait_for(lambda: rate(service) == 0.00196, what="first rate")
    site.page("/", pages.spans(MOVED))
    wait_for(lambda: rate(service) == 0.0019, what="changed rate")
    text = service.metrics()
    assert sample(text, "tickerwatch_exchange_rate_previous", **KZT) == 0.00196
    assert sample(text, "tickerwatch_exchange_rate_source_change_ratio", **KZT) == pytest.approx(
        -0.0306
    )
    assert sample(text, "tickerwatch_exchange_rate_resolution", **KZT) == 1e-05
    assert sample(text, "tickerwatch_ticker_entries", source="timesca") == 40
    assert sample(text, "tickerwatch_ticker_pairs", source="timesca") == 5
    assert sample(text, "tickerwatch_source_up", source="timesca") == 1
    assert (
        sample(text, "tickerwatch_source_poll_failures_total", source="timesca", reason="no_ticker")
        == 0
    )
    # The printed -0% keeps its sign all the way to Prometheus.
    uzs = 'tickerwatch_exchange_rate_source_change_ratio{base="UZS",quote="USD",source="timesca"}'
    assert f"{uzs} -0.0" in text
    rates = {r["pair"]: r for r in service.get("/api/v1/rates").json()["rates"]}
    assert rates["KZT/USD"]["rate"] == "0.00190"
    assert rates["KZT/USD"]["change_pct"] == "-3.06"
    assert rates["KZT/USD"]["previous"] == "0.00196"
    assert rates["KGS/USD"]["inverse"] == {"rate": "87.41", "low": "87.374", "high": "87.451"}


def test_metrics_pass_promtool_and_carry_the_right_content_type(service: Service) -> None:
    wait_for(lambda: rate(service), what="first rate")
    response = service.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    check = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=response.content, capture_output=True, timeout=30
    )
    assert (check.returncode, check.stdout, check.stderr) == (0, b"", b"")
    openmetrics = service.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
    assert openmetrics.text.rstrip().endswith("# EOF")
    assert "tickerwatch_build_info{" in response.text
    names = {line.split("{")[0].split(" ")[0] for line in response.text.splitlines()}
    process = {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds"}
    python = {"python_info", "python_gc_objects_collected_total", "python_gc_collections_total"}
    assert process | python <= names


def test_a_failing_source_is_counted_and_its_last_good_data_stays(
    service: Service, site: PageServer
) -> None:
    wait_for(lambda: rate(service) == 0.00196, what="first rate")
    site.route(
        "/",
        lambda r: send(
            r,
            200,
            b"<html><body>redesigned, no ticker</body></html>",
            {"Content-Type": "text/html"},
        ),
    )
    wait_for(
        lambda: sample(
            service.metrics(),
            "tickerwatch_source_poll_failures_total",
            source="timesca",
            reason="no_ticker",
        ),
        what="no_ticker counted",
    )
    text = service.metrics()
    assert sample(text, "tickerwatch_source_up", source="timesca") == 0
    assert sample(text, "tickerwatch_exchange_rate", **KZT) == 0.00196, (
        "last good data stays until stale"
    )
    health = service.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    src = service.get("/api/v1/sources").json()["sources"][0]
    assert src["last_error_reason"] == "no_ticker"
    assert src["last_match"]["after"].startswith("08 December 2025")
    site.page("/", pages.list_items(MOVED))
    wait_for(lambda: rate(service) == 0.0019, what="recovery")
    assert sample(service.metrics(), "tickerwatch_source_up", source="timesca") == 1


def test_endpoints_for_ops(service: Service) -> None:
    wait_for(lambda: rate(service), what="first rate")
    assert service.get("/livez").status_code == 200
    assert service.get("/readyz").text == "ready\n"
    health = service.get("/healthz").json()
    assert health["status"] == "ok" and health["sources"][0]["up"] is True
    landing = service.get("/")
    assert landing.headers["content-type"].startswith("text/html")
    assert "KZT/USD" in landing.text and "0.00196" in landing.text and "510 KZT" in landing.text
    history = service.get(
        "/api/v1/rates/history", params={"source": "timesca", "pair": "KZT/USD"}
    ).json()["history"]
    assert [h["rate"] for h in history] == ["0.00196"]
    for bad in [
        {"pair": "nonsense"},
        {"since": "yesterday"},
        {"limit": "0"},
        {"since": "2", "until": "1"},
        {"source": "../x"},
    ]:
        response = service.get("/api/v1/rates/history", params=bad)
        assert response.status_code == 400 and "error" in response.json(), bad


def test_history_survives_sigterm_and_sigkill(service: Service, site: PageServer) -> None:
    wait_for(lambda: rate(service) == 0.00196, what="first rate")
    started = time.monotonic()
    assert service.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 5
    site.page("/", pages.list_items(MOVED))
    service.start()
    # Restored from history at once, then the next poll sees the change.
    wait_for(lambda: rate(service) == 0.0019, what="rate after restart")
    assert service.stop(signal.SIGKILL) == -signal.SIGKILL
    with sqlite3.connect(service.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT rate FROM history WHERE base='KZT' ORDER BY id").fetchall()
    assert rows == [("0.00196",), ("0.00190",)]
    service.start()
    history = service.get("/api/v1/rates/history", params={"pair": "KZT/USD", "since": "0"}).json()[
        "history"
    ]
    assert [h["rate"] for h in history] == ["0.00196", "0.00190"]


def test_a_bad_config_exits_1_with_file_line_messages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - name: x\n    url: nowhere\n")
    for command in ("check-config", "run"):
        done = subprocess.run(
            [sys.executable, "-m", "tickerwatch", command, "-c", str(bad)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 1
        assert (
            done.stderr
            == f"{bad}:3: sources[0].url: expected an http:// or https:// URL, got 'nowhere'\n"
        )


def test_parse_command_explains_a_page_as_json(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(pages.list_items(DEC_08))
    done = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "parse", str(page), "--json"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["entries"] == 40 and result["conflicts"] == []
    assert result["quotes"][1] == {
        "base": "KZT",
        "quote": "USD",
        "rate": "0.00196",
        "change_pct": "-0",
        "decimals": 5,
        "copies": 8,
    }


def test_unknown_paths_and_methods_answer_json(service: Service) -> None:
    nope = service.get("/api/v1/nope")
    assert nope.status_code == 404 and nope.json()["error"] == "not_found"
    assert "/api/v1/nope" in nope.json()["message"]
    wrong = httpx.post(f"http://127.0.0.1:{service.port}/api/v1/rates")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


def test_healthz_times_are_rfc3339_with_unix_seconds_beside_them(service: Service) -> None:
    wait_for(lambda: service.get("/healthz").json()["sources"][0]["last_success"])
    (source,) = service.get("/healthz").json()["sources"]
    assert source["last_success"].endswith("Z")
    seconds = datetime.fromisoformat(source["last_success"]).timestamp()
    assert seconds == int(source["last_success_unix"])  # RFC 3339 to the second
