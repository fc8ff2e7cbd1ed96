"""The real Prometheus, configured from deploy/prometheus/prometheus.yml, scrapes a running
tickerwatch; every PromQL expression of the Grafana dashboard returns data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from support import pages
from support.httpserver import PageServer
from support.pages import DEC_08, Line
from support.prometheus import Prometheus
from support.service import Service, config_text, wait_for

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OFFICIAL = (Line("USD/KGS", "87.4500", "0"), Line("USD/TMT", "3.5000", "0"))
VARIABLES = {"$source": ".*", "$pair": ".*", "$__rate_interval": "1m", "$__range": "1m"}


def dashboard_exprs() -> list[str]:
    dash = json.loads((DEPLOY / "grafana" / "dashboards" / "tickerwatch.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 15
    return exprs


def substitute(expr: str) -> str:
    for name, value in sorted(VARIABLES.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(name, value)
    assert "$" not in expr, expr
    return expr


def prometheus_config(target: str) -> dict[str, Any]:
    """deploy/prometheus/prometheus.yml, pointed at the test's tickerwatch, scraping fast."""
    config: dict[str, Any] = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(DEPLOY / "prometheus" / f) for f in config["rule_files"]]
    config.pop("alerting")
    (job,) = config["scrape_configs"]
    job["static_configs"] = [{"targets": [target]}]
    return config


def test_every_dashboard_expression_returns_data(tmp_path: Path) -> None:
    with PageServer() as site, PageServer() as receiver:
        site.page("/", pages.list_items(DEC_08))
        extra = (
            "alerts:\n"
            "  - {name: AlwaysOnForTheDashboard, pairs: [TMT/USD], rate: {above: 0.1}}\n"
            f"notify:\n  webhooks: [{{name: ops, url: '{receiver.url('/hook')}'}}]\n"
        )
        # The official rates the ticker is cross-checked against, printed the feed's way.
        site.page("/official", pages.list_items(OFFICIAL))
        # change_ratio appears once history reaches back a whole window: use a short one.
        source = (
            f"  - name: timesca\n    url: {site.url('/')}\n    windows: [2s]\n"
            "    references: [official]\n"
            f"  - name: official\n    url: {site.url('/official')}\n"
        )
        svc = Service(tmp_path, config_text(source, extra))
        svc.start()
        prom = Prometheus(tmp_path, prometheus_config(f"127.0.0.1:{svc.port}")).start()
        try:
            wait_for(lambda: prom.query("tickerwatch_alerts"), timeout=30, what="scraped data")
            wait_for(
                lambda: prom.query("count_over_time(tickerwatch_source_up[1m]) >= 5"),
                timeout=30,
                what="five scrapes",
            )
            empty = [e for e in dashboard_exprs() if not prom.query(substitute(e))]
            assert empty == [], f"dashboard expressions without data: {empty}"
        finally:
            prom.stop()
            svc.close()


def test_the_dashboard_counts_each_series_once_over_shards_and_an_ha_pair(tmp_path: Path) -> None:
    """Shard 0 of 2 as an HA pair (replicas a and b) and shard 1: every expression still
    returns data, aggregated — no `instance` left, no series twice, no value summed over
    the two replicas."""
    with PageServer() as site:
        site.page("/", pages.list_items(DEC_08))
        site.page("/official", pages.list_items(OFFICIAL))
        site.page("/other", pages.list_items(DEC_08[:2]))
        sources = (  # timesca and official fall in shard 0 of 2, other in shard 1
            f"  - name: timesca\n    url: {site.url('/')}\n    windows: [2s]\n"
            "    references: [official]\n"
            f"  - name: official\n    url: {site.url('/official')}\n"
            f"  - name: other\n    url: {site.url('/other')}\n"
        )
        extra = (
            "alerts:\n  - {name: AlwaysOnForTheDashboard, pairs: [TMT/USD], rate: {above: 0.1}}\n"
        )
        processes = []
        prom = None
        try:
            for shard, replica in (("0/2", "a"), ("0/2", "b"), ("1/2", "a")):
                workdir = tmp_path / f"{shard[0]}{replica}"
                workdir.mkdir()
                svc = Service(workdir, config_text(sources, extra))
                svc.env = {"TICKERWATCH_SHARD": shard, "TICKERWATCH_REPLICA": replica}
                processes.append(svc.start())
            config = prometheus_config("unused:1")
            targets = [f"127.0.0.1:{svc.port}" for svc in processes]
            config["scrape_configs"][0]["static_configs"] = [{"targets": targets}]
            prom = Prometheus(tmp_path, config).start()
            wait_for(
                lambda: len(prom.query("tickerwatch_source_up")) == 5
                and prom.query("count_over_time(tickerwatch_source_up[1m]) >= 5"),
                timeout=30, what="five scrapes of the three processes",
            )  # fmt: skip
            assert len(prom.query("tickerwatch_exchange_rate{source='timesca'}")) == 10  # a, b
            problems = []
            for expr in dashboard_exprs():
                if "tickerwatch_notif" in expr:  # per process by design: queues, sends
                    continue
                result = prom.query(substitute(expr))
                labels = [tuple(sorted(r["metric"].items())) for r in result]
                if not result or any("instance" in dict(x) for x in labels):
                    problems.append(f"not aggregated or empty: {expr}")
                elif len(set(labels)) != len(labels):
                    problems.append(f"a series twice: {expr}")
            assert problems == []
            sources_up = prom.query(substitute(dashboard_exprs()[7]))
            assert {r["metric"]["source"]: r["value"][1] for r in sources_up} == {
                "timesca": "1", "official": "1", "other": "1"
            }  # fmt: skip
        finally:
            if prom is not None:
                prom.stop()
            for svc in processes:
                svc.close()
