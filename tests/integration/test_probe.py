"""GET /probe: stateless fetch and read with the poller's limits and readers; clear 400s and
403s, counted; and the real Prometheus scraping /probe over two tickerwatch instances with
deploy/prometheus/probe-sharded.yml's hashmod relabelling."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from support import pages
from support.httpserver import PageServer
from support.pages import DEC_08, Line
from support.prometheus import Prometheus
from support.service import Service, logged, sample, wait_for
from tickerwatch.core.shard import hashmod

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
TARGETS = 8


def page_of(i: int) -> str:
    lines = tuple(Line(x.pair, f"0.01{100 + i}", "0") if x.pair == "KGS/USD" else x for x in DEC_08)
    return pages.spans(lines)


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        for i in range(TARGETS):
            server.page(f"/p{i}", page_of(i))
        server.page("/notes", "<html><body>no ticker here</body></html>")
        yield server


def config(site: PageServer, extra: str = "") -> str:
    sources = "".join(
        f"  - {{name: p{i}, url: '{site.url(f'/p{i}')}', pairs: [KGS/USD]}}\n"
        for i in range(TARGETS)
    )
    return (
        'web: {listen: "127.0.0.1:{port}"}\nstorage: {path: {db}}\n'
        "defaults: {interval: 1h, jitter: 0s, timeout: 3s, max_body: 64KiB}\n"
        f"{extra}sources:\n{sources}"
    )


def probe_only(workdir: Path, text: str) -> Service:
    workdir.mkdir(exist_ok=True)
    svc = Service(workdir, text)
    svc.env = {"TICKERWATCH_PROBE_ONLY": "1"}
    return svc


def test_probe_reads_a_page_now_and_keeps_nothing(tmp_path: Path, site: PageServer) -> None:
    svc = probe_only(tmp_path / "a", config(site)).start()
    try:
        assert svc.get("/healthz").json()["probe_only"] is True
        assert site.hits("/p3") == 0  # a probe-only process polls nothing
        by_url = svc.get("/probe", params={"target": site.url("/p3"), "format": "timesca"})
        assert by_url.status_code == 200
        assert by_url.headers["content-type"].startswith("text/plain; version=0.0.4")
        text = by_url.text
        assert sample(text, "tickerwatch_probe_success") == 1
        assert sample(text, "tickerwatch_exchange_rate", base="KGS", quote="USD") == 0.01103
        assert 'source="' not in text  # Prometheus' instance label names a bare target
        assert sample(text, "tickerwatch_exchange_rate_resolution", base="KGS") == 1e-05
        assert sample(text, "tickerwatch_ticker_pairs") == 5
        assert (sample(text, "tickerwatch_probe_duration_seconds") or 0) > 0
        by_name = svc.get("/probe", params={"source": "p4"}).text
        assert sample(by_name, "tickerwatch_exchange_rate", source="p4", base="KGS") == 0.01104
        assert site.hits("/p3") == 1 and site.hits("/p4") == 1
        assert svc.get("/api/v1/rates").json() == {"rates": []}  # stateless
        assert svc.get("/api/v1/rates/history").json()["history"] == []
        metrics = svc.metrics()
        assert sample(metrics, "tickerwatch_probes_total", outcome="success") == 2
        assert sample(metrics, "tickerwatch_exchange_rate") is None
    finally:
        svc.close()


BAD = [
    ({}, 400, "give target=URL"),
    ({"source": "nope"}, 400, "no configured source is named 'nope'"),
    ({"source": "p1", "target": "http://x.example/"}, 400, "either source=NAME or target"),
    ({"target": "ftp://x.example/"}, 400, "target: expected an http:// or https:// URL"),
    ({"target": "{site}/p1", "format": "rss"}, 400, "format: 'rss' is not one of timesca, nbkr"),
    ({"target": "{site}/elsewhere"}, 403, "is not allowed (see configured sources' URLs)"),
    ({"target": "http://169.254.169.254/latest"}, 403, "is not allowed"),
]


def test_bad_parameters_are_clear_refusals_counted_and_logged(
    tmp_path: Path, site: PageServer
) -> None:
    svc = probe_only(tmp_path / "a", config(site)).start()
    try:
        for params, status, message in BAD:
            params = {k: v.replace("{site}", site.base) for k, v in params.items()}
            answer = svc.get("/probe", params=params)
            assert (answer.status_code, message in answer.text) == (status, True), params
        metrics = svc.metrics()
        assert sample(metrics, "tickerwatch_probes_total", outcome="bad_request") == 5
        assert sample(metrics, "tickerwatch_probes_total", outcome="denied") == 2
        assert site.hits("/elsewhere") == 0
        assert len(logged(svc, "probe_refused")) == 7
    finally:
        svc.close()


def test_a_failed_probe_says_why_and_is_counted(tmp_path: Path, site: PageServer) -> None:
    site.page("/big", "x" * 100_000)
    allowed = f"probe: {{allowed_targets: ['{site.base}/(notes|missing|big)']}}\n"
    svc = probe_only(tmp_path / "a", config(site, allowed)).start()
    try:
        failing = (("/notes", "no_ticker"), ("/missing", "http_status"), ("/big", "too_large"))
        for path, reason in failing:
            text = svc.get("/probe", params={"target": site.url(path)}).text
            assert sample(text, "tickerwatch_probe_success") == 0
            assert sample(text, "tickerwatch_probe_failed", reason=reason) == 1
            assert sample(text, "tickerwatch_exchange_rate") is None
        # allowed_targets replaces the default: a configured source's URL is no longer enough
        assert svc.get("/probe", params={"target": site.url("/p1")}).status_code == 403
        metrics = svc.metrics()
        assert sample(metrics, "tickerwatch_probes_total", outcome="failed") == 3
        for reason in ("no_ticker", "http_status", "too_large"):
            assert sample(metrics, "tickerwatch_probe_failures_total", reason=reason) == 1
        assert [e["reason"] for e in logged(svc, "probe")] == [r for _, r in failing]
    finally:
        svc.close()


def scrape_config(site: PageServer, instances: list[Service]) -> dict[str, Any]:
    """deploy/prometheus/probe-sharded.yml with the test's targets and instances."""
    shipped = yaml.safe_load((DEPLOY / "prometheus" / "probe-sharded.yml").read_text())
    config: dict[str, Any] = copy.deepcopy(shipped)
    config["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s"}
    targets = [site.url(f"/p{i}") for i in range(TARGETS)]
    for job, svc in zip(config["scrape_configs"], instances, strict=True):
        job["static_configs"] = [{"targets": targets}]
        job["relabel_configs"][-1]["replacement"] = f"127.0.0.1:{svc.port}"
    return config


def test_prometheus_spreads_probes_over_two_instances_by_hashmod(
    tmp_path: Path, site: PageServer
) -> None:
    instances = [probe_only(tmp_path / f"tw{i}", config(site)) for i in range(2)]
    prom = None
    try:
        for svc in instances:
            svc.start()
        prom = Prometheus(tmp_path, scrape_config(site, instances)).start()
        query = "tickerwatch_exchange_rate{base='KGS'}"
        series = wait_for(
            lambda: (r := prom.query(query)) and len(r) == TARGETS and r,
            timeout=30, what="every target's rate in Prometheus",
        )  # fmt: skip
        values = {s["metric"]["instance"]: float(s["value"][1]) for s in series}
        assert values == {site.url(f"/p{i}"): float(f"0.01{100 + i}") for i in range(TARGETS)}
        # stored once: one series per target and pair, whichever job scraped it
        counts = prom.query("count by (instance, base, quote) (tickerwatch_exchange_rate)")
        assert len(counts) == TARGETS * len(DEC_08) and {c["value"][1] for c in counts} == {"1"}
        jobs = {s["metric"]["instance"]: s["metric"]["job"] for s in series}
        for url, job in jobs.items():  # Prometheus' hashmod is tickerwatch's
            assert job == f"tickerwatch-probe-{hashmod(url, 2)}"
        assert set(jobs.values()) == {"tickerwatch-probe-0", "tickerwatch-probe-1"}
        for svc in instances:
            metrics = svc.metrics()
            assert (sample(metrics, "tickerwatch_probes_total", outcome="success") or 0) > 0
            assert sample(metrics, "tickerwatch_probes_total", outcome="denied") == 0
    finally:
        if prom is not None:
            prom.stop()
        for svc in instances:
            svc.close()
