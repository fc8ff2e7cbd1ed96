"""`tickerwatch demo`: offline, prints its URLs, and the rates move."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from support.httpserver import free_port
from support.service import sample, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_demo_serves_moving_rates_offline(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tickerwatch",
                "demo",
                "--port",
                str(port),
                "-c",
                str(ROOT / "config" / "demo.yaml"),
            ],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: f"{base}/metrics" in log.read_text(), what="the URLs")
        printed = log.read_text()
        assert f"{base}/" in printed and f"{base}/healthz" in printed
        assert re.search(r"demo feed\s+http://127\.0\.0\.1:\d+/", printed)

        def kzt() -> float | None:
            return sample(
                httpx.get(f"{base}/metrics").text,
                "tickerwatch_exchange_rate",
                source="demo-html",
                base="KZT",
            )

        first = wait_for(kzt, what="a demo rate")
        wait_for(lambda: (kzt() or first) != first, timeout=30, what="the demo rate to move")
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        # A demo rule fires from the replayed data and its notification reaches the sink.
        wait_for(lambda: "[webhook sink] FIRING" in log.read_text(), timeout=60, what="an alert")
        assert "KZT/USD" in httpx.get(f"{base}/").text
        assert (tmp_path / "data" / "demo.db").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
