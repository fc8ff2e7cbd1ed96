"""Ops health from the snapshot: ok, degraded or failing. Pure."""

from __future__ import annotations

from typing import Any, Literal

from tickerwatch.core.snapshot import SourceState
from tickerwatch.core.storage import StorageHealth

Overall = Literal["ok", "degraded", "failing"]


def source_health(state: SourceState, now: float) -> dict[str, Any]:
    age = state.age(now)
    return {
        "source": state.source.name,
        "up": state.up,
        "last_success": state.last_success_at,
        "age_seconds": None if age is None else round(age, 3),
        "stale": state.stale(now),
        "effective": state.newest_effective,
        "last_error": state.last_error,
        "last_error_reason": state.last_reason,
        "last_error_at": state.last_error_at,
    }


def storage_health(storage: StorageHealth, now: float) -> dict[str, Any]:
    return {
        "healthy": not storage.degraded(now),
        "writes_failing": storage.failing,
        "faults": dict(storage.faults),
        "last_error": storage.last_error,
        "last_error_at": storage.last_error_at,
    }


def overall(states: list[SourceState], now: float) -> Overall:
    """failing when every source is stale; ok when every source is up and fresh."""
    if not states or all(s.stale(now) for s in states):
        return "failing"
    if all(s.up and not s.stale(now) for s in states):
        return "ok"
    return "degraded"
