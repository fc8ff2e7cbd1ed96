"""Cross-checks end to end, with the central banks' real responses: the real service polls a
timesca-like ticker page, NBKR's daily XML and CBU's JSON, exports the deviations, shows
them in the API and on the landing page, and a `deviation` alert fires, notifies and
resolves when CBU's TMT returns to the peg."""

from __future__ import annotations

import json
from pathlib import Path

from support import pages
from support.feeds import FEEDS, XML
from support.httpserver import PageServer, send
from support.pages import DEC_08
from support.service import Service, config_text, sample, wait_for

NBKR = (FEEDS / "nbkr_daily_2026-05-24.xml").read_bytes()  # USD 87,4500 KGS
CBU_DAY = json.loads((FEEDS / "cbu_json_all_2026-04-01.json").read_text())
# TMT only: the ticker page is of 08.12.2025 and CBU's day 01.04.2026, when KZT had moved
# 6% — a real deviation too, of the dates rather than of the ticker.
CONFIG = (
    "alerts:\n"
    "  - {name: TickerOffOfficial, sources: [timesca], pairs: [TMT/USD],\n"
    "     deviation: {above: 0.05}, summary: '{pair} {value}'}\n"
    # 0.01144 is 0.04% above 1/87.45 as printed, but within the ticker's rounding: quiet
    "  - {name: KGSOffNBKR, sources: [timesca], pairs: [KGS/USD],\n"
    "     deviation: {above: 0.0001, references: [nbkr]}}\n"
)


def cbu(tmt: str) -> bytes:
    """CBU's 01.04.2026 with TMT at `tmt` UZS (4037.68 that day: 3.02 TMT per USD)."""
    day = [dict(e, Rate=tmt) if e["Ccy"] == "TMT" else e for e in CBU_DAY]
    return json.dumps(day).encode()


def serve(site: PageServer, path: str, body: bytes, content_type: str) -> str:
    return site.route(path, lambda r: send(r, 200, body, {"Content-Type": content_type}))


def test_a_ticker_off_the_official_rate_is_shown_alerted_and_resolved(tmp_path: Path) -> None:
    with PageServer() as site, PageServer() as receiver:
        site.page("/", pages.list_items(DEC_08))  # KGS/USD 0.01144, TMT/USD 0.28490
        serve(site, "/nbkr", NBKR, XML)
        serve(site, "/cbu", cbu("4037.68"), "application/json")
        sources = (
            f"  - name: timesca\n    url: {site.url('/')}\n    references: [nbkr, cbu]\n"
            # The recorded responses are months old: a stale reference is not compared.
            f"  - name: nbkr\n    url: {site.url('/nbkr')}\n    format: nbkr\n"
            "    stale_after: 3650d\n"
            f"  - name: cbu\n    url: {site.url('/cbu')}\n    format: cbu\n"
            "    stale_after: 3650d\n"
        )
        notify = f"notify:\n  webhooks: [{{name: ops, url: '{receiver.url('/hook')}'}}]\n"
        svc = Service(tmp_path, config_text(sources, CONFIG + notify)).start()
        try:
            tmt = {"source": "timesca", "reference": "cbu", "base": "TMT", "quote": "USD"}
            kgs = {"source": "timesca", "reference": "nbkr", "base": "KGS", "quote": "USD"}
            name = "tickerwatch_exchange_rate_deviation_ratio"
            off = wait_for(lambda: sample(svc.metrics(), name, **tmt), what="the TMT deviation")
            wait_for(lambda: sample(svc.metrics(), name, **kgs) is not None, what="nbkr")
            metrics = svc.metrics()
            assert round(off, 4) == -0.1396  # 0.28490 vs 4037.68 / 12194.21
            assert sample(metrics, name, **kgs) == 0.0  # 0.01144 vs 1/87.45: within rounding
            low = sample(metrics, name + "_min", **kgs)
            high = sample(metrics, name + "_max", **kgs)
            assert low is not None and high is not None and low < 0 < high
            uzs = {"source": "timesca", "reference": "cbu", "base": "UZS", "quote": "USD"}
            assert sample(metrics, name, **uzs) == 0.0  # 0.00008: ±6% cannot tell

            (tmt_rate,) = [
                r for r in svc.get("/api/v1/rates").json()["rates"]
                if r["source"] == "timesca" and r["pair"] == "TMT/USD"
            ]  # fmt: skip
            (ref,) = tmt_rate["references"]
            assert (ref["reference"], ref["how"], ref["via"]) == ("cbu", "cross", "UZS")
            assert ref["rate"].startswith("0.3311") and not ref["within_rounding"]
            assert "cbu 0.3311" in svc.get("/").text

            fired = wait_for(lambda: receiver.posts, what="the deviation notification")
            body = fired[0].json()
            assert body["status"] == "firing"
            assert body["commonLabels"]["alertname"] == "TickerOffOfficial"
            assert body["commonAnnotations"]["summary"] == "TMT/USD -13.96% vs cbu"

            active = {a["alertname"] for a in svc.get("/api/v1/alerts").json()["alerts"]}
            assert active == {"TickerOffOfficial"}  # KGSOffNBKR not even pending
            serve(site, "/cbu", cbu("3484.06"), "application/json")  # 12194.21 / 3.5
            wait_for(
                lambda: [p for p in receiver.posts if p.json()["status"] == "resolved"],
                what="the resolution",
            )
            back = sample(svc.metrics(), name, **tmt)
            assert back is not None and round(back, 4) == -0.0029  # 1/3.51 vs 1/3.5
            names = {p.json()["commonLabels"]["alertname"] for p in receiver.posts}
            assert names == {"TickerOffOfficial"}
        finally:
            svc.close()
