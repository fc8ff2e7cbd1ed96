"""A resolved alert is re-sent to Alertmanager for 15 minutes and listed on the landing page
for a day, with the value it is back to."""

from __future__ import annotations

from tickerwatch.core.alerts import AlertKey, AlertState
from tickerwatch.notify.payloads import alertmanager_alerts
from tickerwatch.web.landing import render

NOW = 100_000.0


def resolved(minutes_ago: float, name: str) -> AlertState:
    return AlertState(
        AlertKey(name, "timesca", "KZT", "USD"), "resolved", NOW - 7200, NOW - 3600,
        fired_at=NOW - 7000, resolved_at=NOW - minutes_ago * 60, severity="critical",
        labels={"alertname": name},
        annotations={"summary": "KZT/USD is 0.00190, below 0.00195", "resolved": "back to 0.00196"},
    )  # fmt: skip


def test_alertmanager_gets_a_resolve_for_15_minutes_only() -> None:
    sent = alertmanager_alerts([resolved(5, "Recent"), resolved(20, "Older")], NOW, 60, "")
    assert [a["labels"]["alertname"] for a in sent] == ["Recent"]


def test_the_landing_page_lists_what_resolved_in_the_last_day() -> None:
    page = render([], NOW, "ok", [], resolved=[resolved(5, "Recent"), resolved(600, "Older")])
    assert "Resolved in the last 24 hours" in page
    assert page.count("back to 0.00196") == 2 and ">5 min ago<" in page and ">10 h ago<" in page
