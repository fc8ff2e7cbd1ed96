"""tickerwatch benchmarks (`make bench`). Ratios are measured side by side in one run.

CPU is process CPU time: this process for in-process measurements, /proc/PID/stat for
other processes. Page servers run in their own processes on 127.0.0.1.
Writes benchmarks/out/results.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx

from auth import auth_timing
from compare import PAIRS, PATTERN, compare, markdown, ratios
from import_pages import bench_import
from pageserver import TICKER, news_page, text_page
from procstat import rss_mb
from scale import scale_run
from shards import sharded
from tickerwatch import logs
from tickerwatch.core.model import PrintedRate
from tickerwatch.core.parse import BUILTIN, compile_pattern, parse_changed, parse_text, parse_whole
from tickerwatch.core.settings import Source
from tickerwatch.core.snapshot import Rate, SourceState
from tickerwatch.metrics.registry import Metrics

OUT = Path(__file__).parent / "out"
RESULTS: dict[str, object] = {}


def report(name: str, value: object) -> None:
    RESULTS[name] = value
    print(f"{name}: {value}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_parse(size: int, rounds: int) -> None:
    """Time per parse as `timeit` reports it: the mean of the fastest of 10 batches (slower
    batches measure the machine's other tenants, not the code); the median batch too.
    Every source shape's regions (located) against reading the whole page, and the check
    that finds an unchanged ticker on a page whose stories changed (`unchanged`)."""
    html, plain = news_page(size, 1).decode(), text_page(size, 1).decode()
    pattern = compile_pattern(PATTERN)
    usd = frozenset({"USD"})
    timesca = BUILTIN["timesca"]
    key = parse_changed(html, "text/html", timesca, usd, None)[0]
    story_changed = news_page(size, 2).decode()
    cases: dict[str, Callable[[], object]] = {
        "html_pairs_located": lambda: parse_text(html, "text/html", timesca, usd),
        "html_nopairs_located": lambda: parse_text(html, "text/html", timesca),
        "html_pattern_located": lambda: parse_text(html, "text/html", pattern),
        "html_whole_page": lambda: parse_whole(html, "text/html", timesca),
        "html_pattern_whole_page": lambda: parse_whole(html, "text/html", pattern),
        "text_plain_located": lambda: parse_text(plain, "text/plain", timesca, usd),
        "text_plain_whole_page": lambda: parse_whole(plain, "text/plain", timesca),
        "html_pairs_unchanged": lambda: parse_changed(
            story_changed, "text/html", timesca, usd, key
        ),
    }
    warm_until = time.perf_counter() + 3.0  # a fresh process on this VM starts slow
    while time.perf_counter() < warm_until:
        cases["html_pairs_located"]()
    for label, case in cases.items():
        n = max(1, rounds // 10) if "whole" not in label else max(1, rounds // 100)
        batches = []
        for _ in range(10):
            started = time.perf_counter()
            for _ in range(n):
                case()
            batches.append((time.perf_counter() - started) / n)
        name = f"parse_{size // 1000}kb_{label}"
        report(f"{name}_ms", round(min(batches) * 1000, 3))
        size_read = len(plain if label.startswith("text") else html)
        report(f"{name}_mb_s", round(size_read / min(batches) / 1e6))
        report(f"{name}_median_batch_ms", round(statistics.median(batches) * 1000, 3))


def bench_metrics(series: int) -> None:
    now = time.time()
    states = []
    for s in range(max(1, series // 62)):  # 5 pairs × 8 rate series + 22 source series
        src = Source(
            f"src{s}",
            "http://x/",
            "timesca",
            BUILTIN["timesca"],
            PAIRS,
            60,
            0,
            20,
            1,
            7200,
            7 * 86400,
            ("24h",),
        )
        state = SourceState(src, started_at=now, up=True, polls=1, last_success_at=now)
        for p, pair in enumerate(PAIRS):
            q = PrintedRate(pair, Decimal("0.01144") + p, Decimal("-0"), 5, 8)
            state.rates[pair] = Rate(src.name, q, now, now, Decimal("0.01143"), {"24h": 0.001})
        states.append(state)
    metrics = Metrics(lambda: states, time.time)
    text = metrics.render()[0].decode()
    count = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    scrape, at_poll, unrefreshed = [], [], []
    for _ in range(10):
        started = time.perf_counter()
        for state in states:  # every source polled since the last scrape, as the poller does
            state.changed()
            metrics.polled(state)
        at_poll.append((time.perf_counter() - started) / len(states))
        started = time.perf_counter()
        metrics.render()
        scrape.append(time.perf_counter() - started)
        for state in states:  # changed without the poller's refresh: the scrape renders all
            state.changed()
        started = time.perf_counter()
        metrics.render()
        unrefreshed.append(time.perf_counter() - started)
    report(f"metrics_{count}_series_ms", round(statistics.median(scrape) * 1000, 2))
    report(
        f"metrics_{count}_series_render_at_poll_us_per_source",
        round(statistics.median(at_poll) * 1e6, 1),
    )
    report(
        f"metrics_{count}_series_all_rendered_by_the_scrape_ms",
        round(statistics.median(unrefreshed) * 1000, 2),
    )


class _Receiver(BaseHTTPRequestHandler):
    arrivals: ClassVar[list[float]] = []

    def do_POST(self) -> None:
        _Receiver.arrivals.append(time.time())
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _Flip(BaseHTTPRequestHandler):
    kzt = "0.00196"

    def do_GET(self) -> None:
        items = (
            "".join(
                f"<li>{p} = {_Flip.kzt if p == 'KZT/USD' else r} {c}%</li>" for p, r, c in TICKER
            )
            * 8
        )
        body = f"<html><body><ul>{items}</ul></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_service(config: str, workdir: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    cfg = workdir / "tw.yaml"
    cfg.write_text(config.replace("PORT", str(port)))
    log = workdir / "tw.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tickerwatch", "run", "-c", str(cfg), "--log-format", "json"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return proc, port, log
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(log.read_text())


def bench_latency(workdir: Path, rounds: int = 10) -> None:
    """From the end of the poll that saw a change to the metric being visible and to the
    webhook notification arriving."""
    site, hook = serve(_Flip), serve(_Receiver)
    config = (
        'web: {listen: "127.0.0.1:PORT"}\n'
        f"storage: {{path: {workdir / 'lat.db'}}}\n"
        "defaults: {interval: 1s, jitter: 0s}\n"
        f"sources: [{{name: s, url: 'http://127.0.0.1:{site.server_address[1]}/',\n"
        "            pairs: [KZT/USD]}]\n"
        "alerts: [{name: Low, pairs: [KZT/USD], rate: {below: 0.00195}}]\n"
        f"notify: {{webhooks: [{{name: h, url: 'http://127.0.0.1:{hook.server_address[1]}/'}}]}}\n"
    )
    proc, port, log = start_service(config, workdir)
    to_metric, to_notify = [], []
    scraper = httpx.Client(base_url=f"http://127.0.0.1:{port}")
    try:
        for i in range(rounds):
            value = "0.00190" if i % 2 == 0 else "0.00196"
            sent = len(_Receiver.arrivals)
            flipped = time.time()
            _Flip.kzt = value
            seen = None
            while seen is None:
                text = scraper.get("/metrics").text
                rate_line = 'tickerwatch_exchange_rate{base="KZT",quote="USD",source="s"}'
                if f"{rate_line} {float(value)}\n" in text:
                    seen = time.time()
            while len(_Receiver.arrivals) <= sent:
                time.sleep(0.001)
            polled = _poll_end(log, value, flipped)
            to_metric.append(seen - polled)
            to_notify.append(_Receiver.arrivals[sent] - polled)
    finally:
        scraper.close()
        proc.terminate()
        proc.wait()
    report("change_to_metric_visible_ms_median", round(statistics.median(to_metric) * 1000, 1))
    report("change_to_notification_ms_median", round(statistics.median(to_notify) * 1000, 1))
    report("change_to_notification_ms_max", round(max(to_notify) * 1000, 1))


def _poll_end(log: Path, value: str, after: float) -> float:
    """When the first poll that saw `value` after `after` finished (its log event)."""
    for line in log.read_text().splitlines():
        if '"event": "poll"' in line and f'"KZT/USD": "{value}"' in line:
            event = json.loads(line)
            ended = datetime.fromisoformat(event["timestamp"]).timestamp()
            if ended >= after and event["result"] == "ok":
                return ended
    raise RuntimeError("no poll event")


def bench_default_rss(workdir: Path, page_port: int) -> None:
    """Steady RSS with config/tickerwatch.yaml, its source pointed at the local page."""
    text = (Path(__file__).parents[1] / "config" / "tickerwatch.yaml").read_text()
    text = text.replace("https://timesca.com/", f"http://127.0.0.1:{page_port}/page")
    text = text.replace('listen: "0.0.0.0:10049"', 'listen: "127.0.0.1:PORT"')
    text = text.replace("path: data/tickerwatch.db", f"path: {workdir / 'rss.db'}")
    proc, port, _ = start_service(text, workdir)
    try:
        for _ in range(20):
            httpx.get(f"http://127.0.0.1:{port}/metrics")
            httpx.get(f"http://127.0.0.1:{port}/")
        time.sleep(5)
        report("steady_rss_default_config_mb", round(rss_mb(proc.pid), 1))
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--quick", action="store_true", help="skip the 1,000- and 10,000-source runs (~25 min)"
    )
    args = parser.parse_args()
    # In-process polls log as the service does (JSON), to nowhere: the cost counts, the noise not.
    logs.configure(json=True, stream=Path(os.devnull).open("w"))  # noqa: SIM115
    bench_parse(180_000, 200)
    bench_parse(1_000_000, 30)
    for n in (10, 1000, 10000):
        bench_metrics(n)
    for key, value in auth_timing().items():
        report(key, round(value, 3))
    for key, imported in bench_import().items():  # tickerwatch import of 1,000 saved pages
        report(key, imported)
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "pageserver.py")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        side = compare(port, free_port())
        for key, ms in side.items():
            report(key, None if ms is None else round(ms, 3))
        for shape, row in ratios(side).items():  # per source shape, to both regex styles
            for style in ("literal", "class"):
                ratio = row[f"ratio_{style}"]
                rounded = None if ratio is None else round(ratio, 2)
                report(f"ratio_{shape}_to_blackbox_{style}", rounded)
        naive = side["naive_ms"]
        assert naive is not None
        report(
            "ratio_tickerwatch_full_to_naive",
            round((side["builtin_pairs_unchanged_tickerwatch_ms"] or 0) / naive, 3),
        )
        shapes = markdown(side)
        with tempfile.TemporaryDirectory() as tmp:
            bench_default_rss(Path(tmp), port)
        with tempfile.TemporaryDirectory() as tmp:
            bench_latency(Path(tmp))
        if not args.quick:
            # benchmarks/scale.py against benchmarks/pagefarm.py (its own page server):
            # 1,000 sources with 100 rules (alert evaluation's share), 10,000 without and with.
            for sources, rules in ((1000, 100), (10_000, 0), (10_000, 100)):
                warmup = 150.0 if sources > 1000 else None
                for key, value in scale_run(sources, 60, 2, rules, warmup).items():
                    rounded = round(value, 4) if isinstance(value, float) else value
                    report(f"scale_{sources}_sources_{rules}_rules_{key}", rounded)
            for n in (1, 2, 4):  # benchmarks/shards.py: sources per shard vs CPU and RSS
                for shard in sharded(port, n):
                    report(f"shards_{n}_shard_{str(shard['shard'])[0]}", shard)
    finally:
        server.terminate()
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(RESULTS, indent=2))
    print("\n| benchmark | result |\n|---|---|")
    for name, result in RESULTS.items():
        print(f"| {name} | {result} |")
    print(f"\nPer source shape, side by side with blackbox_exporter:\n\n{shapes}")


if __name__ == "__main__":
    main()
