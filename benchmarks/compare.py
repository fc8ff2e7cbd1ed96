"""Side by side, same run, same page: CPU per poll of tickerwatch (full 200 and 304),
Prometheus blackbox_exporter probing it with a ticker regex (Debian package), and a naive
httpx + BeautifulSoup poller, the baseline users would write."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from bs4 import BeautifulSoup

from procstat import cpu_seconds
from tickerwatch.config import Source
from tickerwatch.fetch import Fetcher, make_client
from tickerwatch.metrics import Metrics
from tickerwatch.model import Pair
from tickerwatch.parse import BUILTIN
from tickerwatch.poller import Poller
from tickerwatch.state import SourceState
from tickerwatch.store import Store

PAIRS = tuple(Pair.parse(p) for p in ("KGS/USD", "KZT/USD", "TJS/USD", "UZS/USD", "TMT/USD"))
ENTRY = re.compile(r"([A-Z]{3})/([A-Z]{3})\s*=\s*([\d.]+)\s+(-?[\d.]+)%")
BLACKBOX_CONFIG = """modules:
  ticker:
    prober: http
    timeout: 10s
    http:
      fail_if_body_not_matches_regexp: ["[A-Z]{3}/[A-Z]{3}</span> = <span>[0-9.]+</span>"]
"""


def source(url: str) -> Source:
    return Source(
        "bench", url, "timesca", BUILTIN["timesca"], PAIRS, 60, 0, 20, 5 * 2**20, 7200,
        7 * 86400, ("24h", "7d"),
    )  # fmt: skip


async def tickerwatch_cpu(url: str, rounds: int) -> tuple[float, float]:
    """CPU seconds per poll (process time of this process) and wall seconds per poll."""
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "b.db")
        state = SourceState(source(url), started_at=time.time())
        metrics = Metrics(lambda: [state], time.time)
        async with make_client() as client:
            poller = Poller(Fetcher(client), store, metrics, time.time)
            await poller.poll(state)
            assert state.up, state.last_error
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(rounds):
                await poller.poll(state)
            assert state.up, state.last_error
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        await store.close()
    return cpu / rounds, wall / rounds


def naive_cpu(url: str, rounds: int) -> float:
    with httpx.Client() as client:
        cpu = time.process_time()
        for _ in range(rounds):
            text = BeautifulSoup(client.get(url).text, "html.parser").get_text(" ")
            assert len(ENTRY.findall(text)) >= 5
        return (time.process_time() - cpu) / rounds


def blackbox_cpu(url: str, rounds: int, port: int) -> float | None:
    binary = shutil.which("prometheus-blackbox-exporter") or shutil.which("blackbox_exporter")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "blackbox.yml"
        config.write_text(BLACKBOX_CONFIG)
        proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            probe = f"http://127.0.0.1:{port}/probe"
            params = {"module": "ticker", "target": url}
            with httpx.Client(timeout=10) as client:
                deadline = time.monotonic() + 10
                while True:
                    try:
                        client.get(f"http://127.0.0.1:{port}/-/healthy")
                        break
                    except httpx.HTTPError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.05)
                body = client.get(probe, params=params).text
                assert "probe_success 1" in body, body[-500:]
                before = cpu_seconds(proc.pid)
                for _ in range(rounds):
                    client.get(probe, params=params)
                return (cpu_seconds(proc.pid) - before) / rounds
        finally:
            proc.terminate()
            proc.wait()


def compare(port: int, free: int, rounds: int = 300) -> dict[str, float | None]:
    page = f"http://127.0.0.1:{port}/page"
    full_cpu, full_wall = asyncio.run(tickerwatch_cpu(page, rounds))
    moving_cpu, _ = asyncio.run(tickerwatch_cpu(f"http://127.0.0.1:{port}/moving", rounds))
    etag_cpu, _ = asyncio.run(tickerwatch_cpu(f"http://127.0.0.1:{port}/etag", rounds))
    return {
        "tickerwatch_full_ms": full_cpu * 1000,
        "tickerwatch_full_wall_ms": full_wall * 1000,
        "tickerwatch_full_ticker_moved_ms": moving_cpu * 1000,
        "tickerwatch_304_ms": etag_cpu * 1000,
        "blackbox_ms": (b * 1000) if (b := blackbox_cpu(page, rounds, free)) is not None else None,
        "naive_ms": naive_cpu(page, max(20, rounds // 5)) * 1000,
    }
