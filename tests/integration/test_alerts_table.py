"""The alerts table of the real service: left alone by polls while an alert keeps firing,
brought up to date at a clean stop."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from support import pages
from support.httpserver import PageServer
from support.service import Service, config_text, sample, wait_for

RULE = "alerts:\n  - name: KZTLow\n    pairs: [KZT/USD]\n    rate: {below: 0.00195}\n"


def bodies(db: Path) -> dict[str, dict[str, object]]:
    with sqlite3.connect(db) as conn:
        return {k: json.loads(v) for k, v in conn.execute("SELECT id, body FROM alerts")}


def polls(svc: Service) -> float:
    return sample(svc.metrics(), "tickerwatch_source_polls_total", source="timesca") or 0


def test_polls_while_firing_leave_the_row_and_a_clean_stop_writes_it(tmp_path: Path) -> None:
    with PageServer() as site:
        site.page("/", pages.with_kzt("0.00190"))
        source = f"  - name: timesca\n    url: {site.url('/')}\n"
        svc = Service(tmp_path, config_text(source, RULE)).start()
        try:
            wait_for(lambda: bodies(svc.db), what="the firing alert's row")
            (fired,) = bodies(svc.db).values()
            site.page("/", pages.with_kzt("0.00189"))  # still below: firing, its value moves
            seen = polls(svc)
            wait_for(lambda: polls(svc) >= seen + 3, what="three more polls")
            (alert,) = svc.get("/api/v1/alerts").json()["alerts"]
            assert alert["state"] == "firing" and alert["value"] == "0.00189"
            assert list(bodies(svc.db).values()) == [fired], "a poll rewrote the alert's row"
            assert svc.stop() == 0
        finally:
            svc.close()
    (stopped,) = bodies(svc.db).values()
    assert stopped["state"] == "firing" and stopped["value"] == "0.00189"
    assert stopped["fired_at"] == fired["fired_at"]
    assert isinstance(stopped["last_active"], float) and isinstance(fired["last_active"], float)
    assert stopped["last_active"] > fired["last_active"]
