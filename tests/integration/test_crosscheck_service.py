"""Cross-checks end to end: the real service polls a ticker page and an "official" page (in
the ticker's own format here; the central banks' feeds have their own tests), exports the
deviations, shows them in the API and on the landing page, and a `deviation` alert fires,
notifies and resolves."""

from __future__ import annotations

from pathlib import Path

from support import pages
from support.httpserver import PageServer
from support.pages import DEC_08, Line
from support.service import Service, config_text, sample, wait_for

# CBU's 01.04.2026, UZS per unit: TMT/UZS 4037.68 makes 0.33112 USD per TMT (3.02 per USD).
ANOMALY = (Line("USD/UZS", "12194.21", "0"), Line("TMT/UZS", "4037.68", "0"),
           Line("KGS/UZS", "139.40", "0"))  # fmt: skip
ON_THE_PEG = (
    Line("USD/UZS", "12194.21", "0"),
    Line("TMT/UZS", "3484.06", "0"),
    Line("KGS/UZS", "139.40", "0"),
)  # fmt: skip  3484.06 = 12194.21 / 3.5
NBKR = (Line("USD/KGS", "87.4500", "0"), Line("KZT/KGS", "0.1859", "0"))
CONFIG = (
    "alerts:\n"
    "  - {name: TickerOffOfficial, sources: [timesca], deviation: {above: 0.05},\n"
    "     summary: '{pair} {value}'}\n"
)


def test_a_ticker_off_the_official_rate_is_shown_alerted_and_resolved(tmp_path: Path) -> None:
    with PageServer() as site, PageServer() as receiver:
        site.page("/", pages.list_items(DEC_08))
        site.page("/cbu", pages.list_items(ANOMALY))
        site.page("/nbkr", pages.list_items(NBKR))
        sources = (
            f"  - name: timesca\n    url: {site.url('/')}\n    references: [nbkr, cbu]\n"
            f"  - name: cbu\n    url: {site.url('/cbu')}\n"
            f"  - name: nbkr\n    url: {site.url('/nbkr')}\n"
        )
        notify = f"notify:\n  webhooks: [{{name: ops, url: '{receiver.url('/hook')}'}}]\n"
        svc = Service(tmp_path, config_text(sources, CONFIG + notify)).start()
        try:
            tmt = {"source": "timesca", "reference": "cbu", "base": "TMT", "quote": "USD"}
            kgs = {"source": "timesca", "reference": "nbkr", "base": "KGS", "quote": "USD"}
            name = "tickerwatch_exchange_rate_deviation_ratio"
            off = wait_for(lambda: sample(svc.metrics(), name, **tmt), what="the TMT deviation")
            metrics = svc.metrics()
            assert round(off, 4) == -0.1396
            assert sample(metrics, name, **kgs) == 0.0  # 0.01144 vs 1/87.45: within rounding
            assert (
                (sample(metrics, name + "_min", **kgs) or 0)
                < 0
                < (sample(metrics, name + "_max", **kgs) or 0)
            )
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
            assert body["commonAnnotations"]["summary"] == "TMT/USD -13.96% vs cbu"

            site.page("/cbu", pages.list_items(ON_THE_PEG))  # the feed is back on the peg
            wait_for(
                lambda: [p for p in receiver.posts if p.json()["status"] == "resolved"],
                what="the resolution",
            )
            back = sample(svc.metrics(), name, **tmt)
            assert back is not None and round(back, 4) == -0.0029  # 1/3.51 vs 1/3.5
        finally:
            svc.close()
