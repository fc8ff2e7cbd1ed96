"""Side by side, same run, same page: CPU per poll of tickerwatch (full 200, full 200 whose
ticker moved, 304), Prometheus blackbox_exporter probing it with a ticker regex (Debian
package), in alternating batches; and a naive httpx + BeautifulSoup poller, the baseline
users would write."""

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
from tickerwatch.core.model import Pair
from tickerwatch.core.parse import BUILTIN
from tickerwatch.core.settings import Source
from tickerwatch.core.snapshot import SourceState
from tickerwatch.engine.poller import Poller
from tickerwatch.fetch.client import Clients, Fetcher
from tickerwatch.metrics.registry import Metrics
from tickerwatch.store.sqlite import Store

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


class _Tickerwatch:
    """One poller over one page, polled in batches; CPU is this process's time."""

    def __init__(self, url: str, store: Store, fetcher: Fetcher) -> None:
        self.state = SourceState(source(url), started_at=time.time())
        metrics = Metrics(lambda: [self.state], time.time)
        self.poller = Poller(fetcher, store, metrics, time.time)
        self.cpu = self.wall = 0.0
        self.polls = 0

    async def batch(self, n: int) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            await self.poller.poll(self.state)
        self.cpu += time.process_time() - cpu
        self.wall += time.perf_counter() - wall
        self.polls += n
        assert self.state.up, self.state.last_error


class _Blackbox:
    """blackbox_exporter probing the page; CPU is its process's time, from /proc."""

    def __init__(self, binary: str, url: str, port: int, workdir: Path) -> None:
        config = workdir / "blackbox.yml"
        config.write_text(BLACKBOX_CONFIG)
        self.proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.probe = f"http://127.0.0.1:{port}/probe"
        self.params = {"module": "ticker", "target": url}
        self.client = httpx.Client(timeout=10)
        self.cpu, self.probes = 0.0, 0
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.get(f"http://127.0.0.1:{port}/-/healthy")
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        body = self.client.get(self.probe, params=self.params).text
        assert "probe_success 1" in body, body[-500:]

    def batch(self, n: int) -> None:
        before = cpu_seconds(self.proc.pid)
        for _ in range(n):
            self.client.get(self.probe, params=self.params)
        self.cpu += cpu_seconds(self.proc.pid) - before
        self.probes += n

    def close(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait()


async def side_by_side(port: int, free: int, rounds: int, batch: int) -> dict[str, float | None]:
    """tickerwatch (full, ticker moved, 304) and blackbox_exporter in alternating batches,
    so that the machine's slow and fast spells fall on all of them alike."""
    base = f"http://127.0.0.1:{port}"
    binary = shutil.which("prometheus-blackbox-exporter") or shutil.which("blackbox_exporter")
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "b.db")
        blackbox = None if binary is None else _Blackbox(binary, f"{base}/page", free, Path(tmp))
        try:
            async with Clients() as clients:
                fetcher = Fetcher(clients)
                runs = {
                    name: _Tickerwatch(f"{base}/{path}", store, fetcher)
                    for name, path in (
                        ("full", "page"),
                        ("moved", "moving"),
                        ("menu", "menu"),
                        ("304", "etag"),
                    )
                }
                for run in runs.values():
                    await run.batch(1)  # the first poll: a 200 that fills history
                    run.cpu = run.wall = run.polls = 0
                for _ in range(rounds):
                    for run in runs.values():
                        await run.batch(batch)
                    if blackbox is not None:
                        blackbox.batch(batch)
        finally:
            if blackbox is not None:
                blackbox.close()
            await store.close()
    full, moved, not_modified = runs["full"], runs["moved"], runs["304"]
    return {
        "tickerwatch_full_ms": full.cpu / full.polls * 1000,
        "tickerwatch_full_wall_ms": full.wall / full.polls * 1000,
        "tickerwatch_full_ticker_moved_ms": moved.cpu / moved.polls * 1000,
        "tickerwatch_full_static_menu_ms": runs["menu"].cpu / runs["menu"].polls * 1000,
        "tickerwatch_304_ms": not_modified.cpu / not_modified.polls * 1000,
        "blackbox_ms": None if blackbox is None else blackbox.cpu / blackbox.probes * 1000,
    }


def naive_cpu(url: str, rounds: int) -> float:
    with httpx.Client() as client:
        cpu = time.process_time()
        for _ in range(rounds):
            text = BeautifulSoup(client.get(url).text, "html.parser").get_text(" ")
            assert len(ENTRY.findall(text)) >= 5
        return (time.process_time() - cpu) / rounds


def compare(port: int, free: int, rounds: int = 6, batch: int = 50) -> dict[str, float | None]:
    results = asyncio.run(side_by_side(port, free, rounds, batch))
    results["naive_ms"] = naive_cpu(f"http://127.0.0.1:{port}/page", 60) * 1000
    return results
