"""N sources (default 1,000) at a 60 s interval in one tickerwatch process, polling ≈180 KB
pages at distinct URLs (`/page?i=N`) from a local server in its own process
(benchmarks/pagefarm.py unless a page server's port is given), optionally with alert rules.

Measures, after a warm-up round (at start every source is polled at once): CPU share of
one core and RSS of the service (/proc), schedule lag (actual start minus planned start,
from the poll log) p50/p99/max, failed and skipped polls, /metrics scrape time (every
15 s during the measured rounds, as a client sees it: median and max), and with rules
the time the service spent evaluating alerts (its tickerwatch_alert_evaluation_seconds
histogram, CPU time) as a share of its CPU time.

    .venv/bin/python benchmarks/scale.py --sources 10000 --interval 60 --rules 100 --rounds 2

`scale_run(sources, interval, rounds, rules)` starts the page farm and runs it;
`scale(page_port, …)` runs against a page server already started.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from procstat import cpu_seconds, rss_mb

HERE = Path(__file__).parent
RATES = {  # as pageserver.TICKER prints them
    "KGS/USD": 0.01144, "KZT/USD": 0.00196, "TJS/USD": 0.10899, "UZS/USD": 0.00008,
    "TMT/USD": 0.28490,
}  # fmt: skip
PAIRS = list(RATES)
SCRAPE_EVERY = 15.0  # seconds, Prometheus' usual scrape_interval


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rules_yaml(count: int) -> str:
    """`count` rules over every source, a mix as an operator would write them: rate
    thresholds (above, below, outside a band) at various distances from the printed rate,
    change thresholds over 1h and 24h, the site's own printed change, and a few stale,
    source_down and missing rules. Exactly one fires on every source (the first: KZT/USD
    below 0.00197, after `for: 2m`); the others stay quiet, as most rules do."""
    if count <= 0:
        return ""
    out = [
        "alerts:",
        "  - {name: KZTWeak, pairs: [KZT/USD], rate: {below: 0.00197}, for: 2m}",
    ]
    for i in range(1, count):
        pair, rate = PAIRS[i % 5], RATES[PAIRS[i % 5]]
        far = 1 + (i % 7 + 1) / 20  # 5-40% away from the printed rate
        match i % 10:
            case 0 | 1:
                cond = f"rate: {{above: {rate * far:.8f}}}"
            case 2:
                cond = f"rate: {{below: {rate / far:.8f}}}"
            case 3:
                cond = f"rate: {{outside: [{rate / far:.8f}, {rate * far:.8f}]}}"
            case 4 | 5:
                cond = f"change: {{window: 1h, by: {far - 1:.2f}}}"
            case 6 | 7:
                cond = f"change: {{window: 24h, below: {1 - far:.2f}}}"
            case 8:
                cond = f"source_change: {{by: {far - 1:.2f}}}"
            case _:
                cond = ("stale: {after: 10m}", "source_down: {}", "missing: {}")[i // 10 % 3]
        pairs = "" if i % 10 == 9 else f"pairs: [{pair}], "
        out.append(f"  - {{name: R{i:03d}, {pairs}{cond}, for: {i % 3}m}}")
    return "\n".join(out) + "\n"


def config(page_port: int, port: int, data: Path, sources: int, interval: int, rules: int) -> str:
    lines = [
        f'web: {{listen: "127.0.0.1:{port}"}}',
        f"storage: {{path: {data / 'scale.db'}}}",
        f"defaults: {{interval: {interval}s, jitter: {interval}s, timeout: 20s}}",
        rules_yaml(rules).rstrip("\n"),
        "sources:",
    ]
    for i in range(sources):
        lines.append(f"  - name: s{i:05d}")
        lines.append(f"    url: http://127.0.0.1:{page_port}/page?i={i}")
        lines.append("    pairs: [KGS/USD, KZT/USD, TJS/USD, UZS/USD, TMT/USD]")
    return "\n".join(x for x in lines if x) + "\n"


@contextmanager
def farm() -> Iterator[int]:
    """benchmarks/pagefarm.py in its own process; yields its port."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "pagefarm.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield int(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def scale_run(
    sources: int = 10_000,
    interval: int = 60,
    rounds: int = 2,
    rules: int = 0,
    warmup: float | None = None,
) -> dict[str, float]:
    with farm() as port:
        return scale(port, sources, interval, rounds, rules, warmup)


def scale(
    page_port: int,
    sources: int = 1000,
    interval: int = 60,
    rounds: int = 2,
    rules: int = 0,
    warmup: float | None = None,
) -> dict[str, float]:
    """`warmup`: seconds after the service is ready before measuring (interval + 10)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        port = free_port()
        cfg = data / "scale.yaml"
        cfg.write_text(config(page_port, port, data, sources, interval, rules))
        log = data / "scale.log"
        with log.open("wb") as out:
            command = [sys.executable, "-m", "tickerwatch", "run", "-c", str(cfg)]
            proc = subprocess.Popen(
                [*command, "--log-format", "json"], stdout=out, stderr=subprocess.STDOUT
            )
        try:
            base = f"http://127.0.0.1:{port}"
            ready = _wait_ready(base, proc, log)
            time.sleep(interval + 10 if warmup is None else warmup)  # every source at once
            m = _measure(proc.pid, base, rounds * interval)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        events = [json.loads(x) for x in log.read_text().splitlines() if '"event": "poll"' in x]
    window = [e for e in events if "lag" in e and m["t0"] <= _ts(e) <= m["t1"]]
    lags = sorted(e["lag"] for e in window)
    q = statistics.quantiles(lags, n=100)
    cpu = m["cpu1"] - m["cpu0"]
    return {
        "sources": sources, "interval_s": interval, "rules": rules, "start_s": ready,
        "warmup_s": interval + 10 if warmup is None else warmup,
        "polls": len(window), "failed": sum(1 for e in window if e["result"] == "failed"),
        "skipped": m["skipped"], "polls_due": sources * rounds,
        "cpu_share": cpu / (m["t1"] - m["t0"]), "cpu_ms_per_poll": 1000 * cpu / len(window),
        "rss_mb": m["rss"], "lag_p50_s": q[49], "lag_p99_s": q[98], "lag_max_s": lags[-1],
        "metrics_median_ms": statistics.median(m["scrapes"]) * 1000,
        "metrics_max_ms": max(m["scrapes"]) * 1000, "scrapes": len(m["scrapes"]),
        "alert_eval_s": m["eval"], "alert_eval_share_of_cpu": m["eval"] / cpu,
        "alert_eval_poll_s": m["eval_poll"], "alert_eval_timer_s": m["eval_timer"],
    }  # fmt: skip


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> float:
    """Seconds until /readyz answers 200."""
    started = time.monotonic()
    while True:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        if time.monotonic() - started > 600 or proc.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        time.sleep(0.2)


def _measure(pid: int, base: str, seconds: float) -> dict[str, Any]:
    """CPU, RSS, evaluation time and scrape times over `seconds`."""
    scrapes: list[float] = []
    stop = threading.Event()

    def scraper() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.wait(SCRAPE_EVERY):
                started = time.perf_counter()
                client.get("/metrics").raise_for_status()
                scrapes.append(time.perf_counter() - started)

    before = _counters(base)
    cpu0, t0 = cpu_seconds(pid), time.time()
    thread = threading.Thread(target=scraper)
    thread.start()
    time.sleep(seconds)
    cpu1, t1 = cpu_seconds(pid), time.time()
    stop.set()
    thread.join()
    after = _counters(base)
    delta = {k: after[k] - before.get(k, 0.0) for k in after}
    skipped = delta.pop("skipped", 0.0)
    return {
        "cpu0": cpu0, "cpu1": cpu1, "t0": t0, "t1": t1, "rss": rss_mb(pid), "scrapes": scrapes,
        "skipped": skipped, "eval": sum(delta.values()), "eval_poll": delta.get("poll", 0.0),
        "eval_timer": delta.get("timer", 0.0) + delta.get("all", 0.0),
    }  # fmt: skip


def _counters(base: str) -> dict[str, float]:
    """tickerwatch_alert_evaluation_seconds_sum by trigger, and polls skipped in all."""
    text = httpx.get(f"{base}/metrics", timeout=60).text
    out = {"skipped": 0.0}
    for family in text_string_to_metric_families(text):
        if family.name == "tickerwatch_alert_evaluation_seconds":
            out.update((s.labels["trigger"], s.value) for s in family.samples
                       if s.name.endswith("_sum"))  # fmt: skip
        elif family.name == "tickerwatch_source_polls_skipped":
            out["skipped"] += sum(s.value for s in family.samples if s.name.endswith("_total"))
    return out


def _ts(event: dict[str, object]) -> float:
    return datetime.fromisoformat(str(event["timestamp"])).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--interval", type=int, default=60, help="seconds")
    parser.add_argument("--rules", type=int, default=0, help="alert rules (benchmarks mix)")
    parser.add_argument("--rounds", type=int, default=2, help="intervals measured")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (interval+10)")
    args = parser.parse_args()
    result = scale_run(args.sources, args.interval, args.rounds, args.rules, args.warmup)
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()},
                     indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
