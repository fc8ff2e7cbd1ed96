"""tickerwatch benchmarks (`make bench`): parse throughput, CPU per poll, /metrics render.

CPU figures are process CPU time (time.process_time) of this process only; the page
server runs in a separate process on 127.0.0.1. Results print as a Markdown table.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from prometheus_client import generate_latest

from pageserver import news_page
from tickerwatch.config import Source
from tickerwatch.dedup import deduplicate
from tickerwatch.fetch import Fetcher, make_client
from tickerwatch.metrics import Metrics
from tickerwatch.model import Pair, Quote
from tickerwatch.parse import BUILTIN, parse_text
from tickerwatch.poller import Poller
from tickerwatch.state import Rate, SourceState
from tickerwatch.store import Store

ROWS: list[tuple[str, str]] = []


def report(name: str, value: str) -> None:
    ROWS.append((name, value))
    print(f"{name}: {value}", flush=True)


def bench_parse(size: int, rounds: int) -> None:
    page = news_page(size, 1).decode()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        deduplicate(parse_text(page, "text/html", BUILTIN["timesca"]).entries)
        times.append(time.perf_counter() - started)
    best = min(times)
    report(
        f"parse + dedup, {len(page) // 1000} KB page",
        f"median {statistics.median(times) * 1000:.2f} ms,"
        f" {len(page) / best / 1e6:.0f} MB/s (best)",
    )


def source(url: str) -> Source:
    return Source(
        "bench",
        url,
        "timesca",
        BUILTIN["timesca"],
        (),
        60,
        0,
        20,
        5 * 2**20,
        7200,
        7 * 86400,
        ("24h", "7d"),
    )


async def bench_poll(port: int, path: str, label: str, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "b.db")
        state = SourceState(source(f"http://127.0.0.1:{port}{path}"), started_at=time.time())
        metrics = Metrics(lambda: [state], time.time)
        metrics.add_source("bench")
        async with make_client() as client:
            poller = Poller(Fetcher(client), store, metrics, time.time)
            await poller.poll(state)  # warm up: connection, first row
            assert state.up, state.last_error
            cpu = time.process_time()
            wall = time.perf_counter()
            for _ in range(rounds):
                await poller.poll(state)
            cpu = (time.process_time() - cpu) / rounds
            wall = (time.perf_counter() - wall) / rounds
        await store.close()
    report(f"CPU per poll, {label}", f"{cpu * 1000:.2f} ms CPU ({wall * 1000:.2f} ms wall)")


def bench_metrics(series: int) -> None:
    pairs_per_source = 5
    states = []
    now = time.time()
    for s in range(max(1, series // (pairs_per_source * 8))):  # 8 series per pair
        state = SourceState(source(f"http://x/{s}"), started_at=now)
        object.__setattr__(
            state,
            "source",
            Source(
                f"src{s}",
                "http://x/",
                "timesca",
                BUILTIN["timesca"],
                (),
                60,
                0,
                20,
                1,
                7200,
                7 * 86400,
                ("24h",),
            ),
        )
        for p in range(pairs_per_source):
            q = Quote(Pair(f"C{p:02d}"[:3], "USD"), Decimal("0.01144"), Decimal("-0"), 5, 8)
            state.rates[q.pair] = Rate(
                state.source.name, q, now, now, Decimal("0.01143"), {"24h": 0.001}
            )
        states.append(state)
    metrics = Metrics(lambda: states, time.time)
    text = generate_latest(metrics.registry).decode()
    count = len([line for line in text.splitlines() if line and not line.startswith("#")])
    times = []
    for _ in range(20):
        started = time.perf_counter()
        generate_latest(metrics.registry)
        times.append(time.perf_counter() - started)
    report(f"/metrics render, {count} series", f"median {statistics.median(times) * 1000:.2f} ms")


def main() -> None:
    bench_parse(180_000, 200)
    bench_parse(1_000_000, 40)
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "pageserver.py")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        asyncio.run(bench_poll(port, "/page", "full 200 (180 KB page)", 100))
        asyncio.run(bench_poll(port, "/etag", "304 Not Modified", 300))
    finally:
        server.terminate()
    for n in (10, 1000, 10000):
        bench_metrics(n)
    print("\n| benchmark | result |\n|---|---|")
    for name, value in ROWS:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
