"""Ops health from the snapshot: ok, degraded or failing. Pure."""

from __future__ import annotations

from typing import Any, Literal

from tickerwatch.core.settings import Placement
from tickerwatch.core.snapshot import SourceState
from tickerwatch.core.storage import StorageHealth
from tickerwatch.core.units import rfc3339

Overall = Literal["ok", "degraded", "failing"]


def source_health(state: SourceState, now: float) -> dict[str, Any]:
    """One source's health; times in RFC 3339, and in Unix seconds as `…_unix`."""
    age = state.age(now)
    return {
        "source": state.source.name,
        "up": state.up,
        "last_success": _rfc3339(state.last_success_at),
        "last_success_unix": state.last_success_at,
        "age_seconds": None if age is None else round(age, 3),
        "stale": state.stale(now),
        "effective": _rfc3339(state.newest_effective),
        "effective_unix": state.newest_effective,
        "last_error": state.last_error,
        "last_error_reason": state.last_reason,
        "last_error_at": _rfc3339(state.last_error_at),
        "last_error_at_unix": state.last_error_at,
    }


def storage_health(storage: StorageHealth, now: float) -> dict[str, Any]:
    return {
        "healthy": not storage.degraded(now),
        "writes_failing": storage.failing,
        "faults": dict(storage.faults),
        "last_error": storage.last_error,
        "last_error_at": _rfc3339(storage.last_error_at),
        "last_error_at_unix": storage.last_error_at,
    }


def _rfc3339(ts: float | None) -> str | None:
    return None if ts is None else rfc3339(ts)


def placement(p: Placement) -> dict[str, Any]:
    """Which part of the work this process does: {"shard": 0, "shards": 3, "replica": "a"
    or null, "probe_only": false}."""
    return {"shard": p.shard, "shards": p.shards, "replica": p.replica, "probe_only": p.probe_only}


def overall(states: list[SourceState], now: float) -> Overall:
    """failing when every source is stale; ok when every source is up and fresh, or when
    there is none to poll (a shard no source falls in, a probe-only process)."""
    if not states:
        return "ok"
    if all(s.stale(now) for s in states):
        return "failing"
    if all(s.up and not s.stale(now) for s in states):
        return "ok"
    return "degraded"
