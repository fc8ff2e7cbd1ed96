"""Sources per shard against CPU and RSS: one config of SOURCES sources (180 KB pages from a
local page server, its own process) run as 1, 2 and 4 shards side by side
(`tickerwatch run --shard I/N`, each its own process and SQLite). After a warm-up round,
each shard's CPU share of one core and RSS are measured over ROUNDS intervals.

    .venv/bin/python benchmarks/shards.py [--sources 1000] [--interval 30] [--rounds 2]

(`make bench` runs it too, unless --quick.) The machine has 2 cores shared with others:
4 shards on it measure what each shard costs, not a speed-up.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from pageserver import served
from procstat import cpu_seconds, rss_mb
from scale import config, free_port
from tickerwatch.core.shard import hashmod


def _start(cfg: Path, shard: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tickerwatch", "run", "-c", str(cfg), "--shard", shard,
             "--log-format", "json"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        time.sleep(0.2)


def sharded(
    page_port: int, shards: int, sources: int = 1000, interval: int = 30, rounds: int = 2
) -> list[dict[str, object]]:
    """One row per shard: its sources, polls and failed polls measured, CPU share, RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        try:
            for i in range(shards):
                data = Path(tmp) / f"shard{i}"
                data.mkdir()
                port = free_port()
                cfg = data / "scale.yaml"
                cfg.write_text(config(page_port, port, data, sources, interval, 0))
                log = data / "shard.log"
                proc = _start(cfg, f"{i}/{shards}", log)
                procs.append((proc, port, log))
            for proc, port, log in procs:
                _ready(port, proc, log)
            time.sleep(interval + 10)  # the first round (every source at once) is warm-up
            before = [(cpu_seconds(p.pid), time.time()) for p, _, _ in procs]
            time.sleep(rounds * interval)
            after = [(cpu_seconds(p.pid), time.time(), rss_mb(p.pid)) for p, _, _ in procs]
        finally:
            for proc, _, _ in procs:
                proc.terminate()
            for proc, _, _ in procs:
                proc.wait(timeout=30)
        rows = []
        for i, ((_, _, log), (c0, t0), (c1, t1, rss)) in enumerate(
            zip(procs, before, after, strict=True)
        ):
            polls = [json.loads(x) for x in log.read_text().splitlines() if '"event": "poll"' in x]
            rows.append({
                "shard": f"{i}/{shards}",
                "sources": sum(1 for s in range(sources) if hashmod(f"s{s:04d}", shards) == i),
                "polls": len(polls),
                "failed": sum(1 for e in polls if e["result"] == "failed"),
                "cpu_share": round((c1 - c0) / (t1 - t0), 4),
                "rss_mb": round(rss, 1),
            })  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=30, help="seconds")
    parser.add_argument("--rounds", type=int, default=2, help="intervals measured")
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    with served() as port:
        print("| shards | shard | sources | polls (all) | failed | CPU (one core) | RSS MB |")
        print("|---|---|---|---|---|---|---|")
        for n in args.shards:
            for row in sharded(port, n, args.sources, args.interval, args.rounds):
                print(
                    f"| {n} | {row['shard']} | {row['sources']} | {row['polls']} |"
                    f" {row['failed']} | {row['cpu_share']:.1%} | {row['rss_mb']} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
