"""A page giving more pairs than the source's `max_pairs` is refused (reason
too_many_pairs): nothing from it is stored or exposed, the last good rates stay."""

from __future__ import annotations

import itertools
import string
from pathlib import Path

from support import pages
from support.httpserver import PageServer
from support.pages import DEC_08, Line
from support.service import Service, config_text, sample, wait_for

CODES = ("".join(c) for c in itertools.product(string.ascii_uppercase, repeat=3))
FLOOD = tuple(Line(f"{code}/USD", "0.01144", "0") for code in itertools.islice(CODES, 5000))


def test_a_page_with_more_pairs_than_max_pairs_is_refused_and_counted(tmp_path: Path) -> None:
    with PageServer() as site:
        site.page("/flood", pages.list_items(FLOOD))
        site.page("/five", pages.list_items(DEC_08))
        sources = (
            f"  - name: flood\n    url: {site.url('/flood')}\n"  # the default limit, 200
            f"  - name: five\n    url: {site.url('/five')}\n    max_pairs: 4\n"
        )
        svc = Service(tmp_path, config_text(sources)).start()
        try:
            failures = "tickerwatch_source_poll_failures_total"
            wait_for(
                lambda: all(
                    (sample(svc.metrics(), failures, source=s, reason="too_many_pairs") or 0) >= 2
                    for s in ("flood", "five")
                ),
                what="both refused twice",
            )
            text = svc.metrics()
            assert text.count("tickerwatch_exchange_rate{") == 0
            assert sample(text, "tickerwatch_source_up", source="flood") == 0
            views = {s["name"]: s for s in svc.get("/api/v1/sources").json()["sources"]}
            assert views["flood"]["last_error_reason"] == "too_many_pairs"
            assert "5000 pairs, more than max_pairs (200)" in views["flood"]["last_error"]
            assert svc.get("/api/v1/rates/history").json()["history"] == []
            site.page("/five", pages.list_items(DEC_08[:4]))  # within the limit again
            wait_for(
                lambda: sample(svc.metrics(), "tickerwatch_source_up", source="five") == 1,
                what="recovery",
            )
        finally:
            svc.close()
