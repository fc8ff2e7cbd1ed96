"""JSON views of the snapshot for /api/v1. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tickerwatch.core.alerts import AlertState
from tickerwatch.core.crosscheck import Deviation
from tickerwatch.core.model import Unreadable
from tickerwatch.core.redact import redact_url
from tickerwatch.core.snapshot import Rate, SourceState, inverse
from tickerwatch.core.units import rfc3339
from tickerwatch.notify.status import ReceiverStatus
from tickerwatch.store.sqlite import HistoryRow


def iso(ts: float | None) -> str | None:
    return None if ts is None else rfc3339(ts)


def deviation_view(d: Deviation) -> dict[str, Any]:
    """A reference's value of a pair and how far the source is off it (ratios)."""
    span = d.value.span
    return {
        "reference": d.reference,
        "how": d.value.how,
        "via": d.value.via or None,
        "rate": significant(span.value),
        "low": significant(span.low),
        "high": significant(span.high),
        "deviation_ratio": round(d.reported, 8),
        "deviation_ratio_min": round(d.low, 8),
        "deviation_ratio_max": round(d.high, 8),
        "within_rounding": d.within_rounding,
    }


def significant(value: Decimal, digits: int = 8) -> str:
    return format(round(value, max(0, digits - value.adjusted() - 1)), "f")


def rate_view(r: Rate, deviations: Sequence[Deviation] = ()) -> dict[str, Any]:
    """A current rate; `deviations`: its cross-checks against the source's references."""
    q = r.printed
    inv, low, high = inverse(q.rate, q.decimals)
    return {
        "source": r.source,
        "pair": str(q.pair),
        "base": q.pair.base,
        "quote": q.pair.quote,
        "rate": str(q.rate),
        "change_pct": _text(q.change_pct),
        "change_abs": _text(q.change_abs),
        "decimals": q.decimals,
        "resolution": str(q.resolution),
        "inverse": {"rate": format(inv, "f"), "low": format(low, "f"), "high": format(high, "f")},
        "previous": None if r.previous is None else str(r.previous),
        "change_ratios": {w: round(v, 8) for w, v in r.window_changes.items()},
        "updated": iso(r.updated_at),
        "changed": iso(r.changed_at),
        "references": [deviation_view(d) for d in deviations if d.pair == q.pair],
        "effective": iso(q.effective),
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def source_view(state: SourceState, now: float, next_poll: float | None = None) -> dict[str, Any]:
    """A source's status; `next_poll`: when the scheduler polls it next (Unix seconds)."""
    src = state.source
    return {
        "name": src.name,
        "url": redact_url(src.url),
        "proxy_url": None if src.proxy_url is None else redact_url(src.proxy_url),
        "format": src.format,
        "interval_seconds": None if src.schedule is not None else src.interval,
        "schedule": src.schedule,
        "timezone": src.timezone,
        "jitter_seconds": src.jitter,
        "next_poll": iso(next_poll),
        "up": state.up,
        "stale": state.stale(now),
        "polls": state.polls,
        "stale_polls": state.stale_polls,
        "effective": iso(state.newest_effective),
        "last_poll": iso(state.last_poll_at),
        "last_success": iso(state.last_success_at),
        "last_duration_seconds": state.last_duration,
        "last_error": state.last_error,
        "last_error_reason": state.last_reason,
        "last_error_at": iso(state.last_error_at),
        "entries": state.entries,
        "pairs": [str(p) for p in state.rates],
        "expected_pairs": [str(p) for p in src.pairs],
        "missing_pairs": [str(p) for p in state.missing_pairs()],
        "missing_reasons": {str(p): why for p, why in state.missing_reasons().items()},
        "unreadable_entries": state.unreadable_entries,
        "unreadable": [_unreadable_view(u) for u in state.unreadable],
        "decoding": {
            "encoding": state.encoding or None,
            "from": state.encoding_origin or None,
            "replaced_last": state.replaced,
            "replaced_total": state.decode_errors,
        },
        "conflicts": [
            {"pair": str(c.pair), "values": list(c.values), "chosen": c.chosen}
            for c in state.conflicts
        ],
        "last_match": {"before": state.context_before, "after": state.context_after},
    }


def _unreadable_view(u: Unreadable) -> dict[str, Any]:
    pair = None if u.pair is None else str(u.pair)
    return {"text": u.text, "pair": pair, "reason": u.reason, "message": u.message}


def history_view(row: HistoryRow) -> dict[str, Any]:
    return {
        "source": row.source,
        "pair": str(row.pair),
        "rate": str(row.rate),
        "change_pct": _text(row.change_pct),
        "change_abs": _text(row.change_abs),
        "decimals": row.decimals,
        "first_seen": iso(row.first_seen),
        "last_seen": iso(row.last_seen),
        "effective": iso(row.effective),
        "imported": row.imported,
    }


def notifier_view(s: ReceiverStatus) -> dict[str, Any]:
    return {
        "receiver": s.receiver,
        "up": s.up,
        "queued": s.queued,
        "delivered": s.delivered,
        "failed_attempts": s.failed_attempts,
        "dropped": s.dropped,
        "worker_errors": s.worker_errors,
        "last_delivered": iso(s.last_delivered_at),
        "last_error": s.last_error,
        "last_error_at": iso(s.last_error_at),
    }


def alert_view(a: AlertState) -> dict[str, Any]:
    return {
        "alertname": a.key.alertname,
        "state": a.state,
        "severity": a.severity,
        "source": a.key.source,
        "pair": a.key.pair or None,
        "value": a.value,
        "threshold": a.threshold,
        "labels": a.labels,
        "annotations": a.annotations,
        "active_since": iso(a.active_since),
        "fired_at": iso(a.fired_at),
    }
