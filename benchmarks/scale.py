"""1,000 sources at a 60 s interval in one tickerwatch process, polling 180 KB pages from a
local server (its own process). Measures, after a warm-up round: CPU share of one core,
RSS, and schedule lag (actual start minus planned start, from the poll log)."""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from procstat import cpu_seconds, rss_mb


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config(page_port: int, port: int, data: Path, sources: int, interval: int) -> str:
    lines = [
        f'web: {{listen: "127.0.0.1:{port}"}}',
        f"storage: {{path: {data / 'scale.db'}}}",
        f"defaults: {{interval: {interval}s, jitter: {interval}s, timeout: 20s}}",
        "sources:",
    ]
    for i in range(sources):
        lines.append(f"  - name: s{i:04d}")
        lines.append(f"    url: http://127.0.0.1:{page_port}/page?i={i}")
        lines.append("    pairs: [KGS/USD, KZT/USD, TJS/USD, UZS/USD, TMT/USD]")
    return "\n".join(lines) + "\n"


def scale(
    page_port: int, sources: int = 1000, interval: int = 60, rounds: int = 2
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        port = free_port()
        cfg = data / "scale.yaml"
        cfg.write_text(config(page_port, port, data, sources, interval))
        log = data / "scale.log"
        with log.open("wb") as out:
            command = [sys.executable, "-m", "tickerwatch", "run", "-c", str(cfg)]
            proc = subprocess.Popen(
                [*command, "--log-format", "json"], stdout=out, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(log.read_text()[-2000:])
                time.sleep(0.2)
            time.sleep(interval + 10)  # the first round (every source at once) is warm-up
            cpu0, t0 = cpu_seconds(proc.pid), time.time()
            time.sleep(rounds * interval)
            cpu1, t1 = cpu_seconds(proc.pid), time.time()
            rss = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        events = [json.loads(x) for x in log.read_text().splitlines() if '"event": "poll"' in x]
    window = [e for e in events if "lag" in e and t0 <= _ts(e) <= t1]
    lags = sorted(e["lag"] for e in window)
    q = statistics.quantiles(lags, n=100)
    failed = sum(1 for e in window if e["result"] == "failed")
    return {
        "sources": sources, "interval_s": interval, "polls": len(window), "failed": failed,
        "cpu_share": (cpu1 - cpu0) / (t1 - t0), "rss_mb": rss,
        "lag_p50_s": q[49], "lag_p99_s": q[98], "lag_max_s": lags[-1],
    }  # fmt: skip


def _ts(event: dict[str, object]) -> float:
    from datetime import datetime

    return datetime.fromisoformat(str(event["timestamp"])).timestamp()
