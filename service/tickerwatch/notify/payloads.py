"""What notifications carry. Pure: alert states and transitions in, JSON-ready dicts out."""

from __future__ import annotations

import hashlib
from typing import Any

from tickerwatch.core.alerts import RESOLVED_RESEND, AlertState, Transition
from tickerwatch.core.units import rfc3339

ZERO_TIME = "0001-01-01T00:00:00Z"


def _time(ts: float) -> str:
    return rfc3339(ts, "milliseconds")


def fingerprint(labels: dict[str, str]) -> str:
    text = "\0".join(f"{k}\0{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def idempotency_key(t: Transition) -> str:
    """Unique per transition, equal on every resend of it: receivers can drop repeats.

    `<fingerprint>-<status>-<start, Unix ms>`, then `-<episode>` from an alert's second
    episode on (it fired, resolved, and became active again while remembered): two episodes
    starting in one millisecond (polls in one millisecond, a wall clock stepped back) differ.
    """
    a = t.alert
    key = f"{fingerprint(a.labels)}-{t.status}-{round(a.started * 1000)}"
    return key if a.episode == 1 else f"{key}-{a.episode}"


def webhook_payload(receiver: str, t: Transition, external_url: str) -> dict[str, Any]:
    """The Alertmanager webhook payload (version 4) for one transition of one alert."""
    alert = t.alert
    group = {
        "alertname": alert.labels.get("alertname", ""),
        "source": alert.labels.get("source", ""),
    }
    return {
        "version": "4",
        "groupKey": f"{{}}:{{alertname={group['alertname']!r}, source={group['source']!r}}}",
        "truncatedAlerts": 0,
        "status": t.status,
        "receiver": receiver,
        "groupLabels": group,
        "commonLabels": dict(alert.labels),
        "commonAnnotations": dict(alert.annotations),
        "externalURL": external_url,
        "alerts": [_alert(alert, t.status, external_url)],
    }


def _alert(alert: AlertState, status: str, external_url: str) -> dict[str, Any]:
    started = alert.started
    ends = ZERO_TIME if status == "firing" else _time(alert.resolved_at or started)
    return {
        "status": status,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "startsAt": _time(started),
        "endsAt": ends,
        "generatorURL": f"{external_url}/api/v1/alerts",
        "fingerprint": fingerprint(alert.labels),
    }


def alertmanager_alerts(
    alerts: list[AlertState], now: float, resend_interval: float, external_url: str
) -> list[dict[str, Any]]:
    """Alertmanager API v2 body: firing alerts with endsAt ahead, resolved ones with their
    resolve time for RESOLVED_RESEND after it. Pending alerts are not sent."""
    out = []
    for a in alerts:
        if a.state == "pending":
            continue
        if a.state == "resolved" and now - (a.resolved_at or now) > RESOLVED_RESEND:
            continue
        started = a.started
        ends = now + 4 * resend_interval if a.state == "firing" else (a.resolved_at or now)
        out.append(
            {
                "labels": dict(a.labels),
                "annotations": dict(a.annotations),
                "startsAt": _time(started),
                "endsAt": _time(ends),
                "generatorURL": f"{external_url}/api/v1/alerts",
            }
        )
    return out
