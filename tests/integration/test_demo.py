"""`tickerwatch demo`: offline, prints its URLs, and the rates move."""

from __future__ import annotations

import os
import re
import signal
import socket
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
        # Each port its own database, so a second demo never shares the first one's.
        assert (tmp_path / "data" / f"demo-{port}.db").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    printed = log.read_text()
    assert "\x1b[" not in printed  # not a TTY: no colour codes
    # The demo shows no error: its feed never resets a poll, nothing fails.
    failures = ("[error", "[warning  ] poll ", "notification_failed", "ticker_")
    assert not [line for line in printed.splitlines() if any(f in line for f in failures)]


def busy(port: int) -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen()
    return sock


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "tw.yaml"
    config.write_text(
        f'web: {{listen: "127.0.0.1:{port}"}}\nstorage: {{path: {tmp_path / "tw.db"}}}\n'
        "sources:\n  - {name: a, url: 'http://127.0.0.1:9/'}\n"
    )
    tickerwatch = [sys.executable, "-m", "tickerwatch"]
    with busy(port):
        run = subprocess.run(
            [*tickerwatch, "run", "-c", str(config)], capture_output=True, text=True, timeout=30
        )
        demo = subprocess.run(
            [*tickerwatch, "demo", "--port", str(port), "-c", str(ROOT / "config" / "demo.yaml")],
            capture_output=True, text=True, timeout=30, cwd=tmp_path,
        )  # fmt: skip
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == f"tickerwatch: port {port} is in use; choose another in web.listen\n"
    assert (demo.returncode, demo.stdout) == (2, "")
    assert demo.stderr == (
        f"tickerwatch: port {port} is in use; choose another with --port (make demo PORT=N)\n"
    )
