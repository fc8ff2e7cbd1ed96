"""The landing page: current rates (also inverted), sources, recent history (imported rows
marked), links. Pure; every value escaped."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from tickerwatch import __version__
from tickerwatch.core.alerts import AlertState
from tickerwatch.core.crosscheck import Deviation
from tickerwatch.core.redact import redact_url
from tickerwatch.core.snapshot import SourceState, inverse
from tickerwatch.store.schema import HistoryRow
from tickerwatch.web.views import iso, significant

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin-bottom:2rem}
td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.up{color:#080}.down{color:#b00}.muted{color:#777}
.imported{font-size:.8em;padding:0 .3em;border:1px solid #999;border-radius:3px;color:#555}
"""
RECENT_ROWS = 20  # history rows the page lists


def render(
    states: list[SourceState],
    now: float,
    health: str,
    alerts: list[AlertState] | None = None,
    next_poll: Callable[[str], float | None] = lambda name: None,
    recent: list[HistoryRow] | str = "",
) -> str:
    """The page; `next_poll(name)`: when the source is polled next (Unix seconds);
    `recent`: the newest history rows, newest first, or why they cannot be read."""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta http-equiv="refresh" content="15">'
        f"<title>tickerwatch</title><style>{_STYLE}</style></head><body>"
        f"<h1>tickerwatch</h1><p>Health: <b>{escape(health)}</b> · "
        f"version {escape(__version__)} · {escape(iso(now) or '')}</p>"
        f"<h2>Alerts</h2>{_alerts(alerts or [])}"
        f"<h2>Rates</h2>{_rates(states, now)}"
        f"<h2>Sources</h2>{_sources(states, now, next_poll)}"
        f"<h2>Recent history</h2>{_history(recent)}"
        "<h2>Links</h2><ul>"
        '<li><a href="/metrics">/metrics</a></li><li><a href="/healthz">/healthz</a></li>'
        '<li><a href="/api/v1/rates">/api/v1/rates</a></li>'
        '<li><a href="/api/v1/sources">/api/v1/sources</a></li>'
        '<li><a href="/api/v1/alerts">/api/v1/alerts</a></li>'
        '<li><a href="/livez">/livez</a> · <a href="/readyz">/readyz</a></li>'
        "</ul></body></html>"
    )


def _rates(states: list[SourceState], now: float) -> str:
    rows = []
    by_name = {s.source.name: s for s in states}
    for state in states:
        deviations = state.deviations(by_name, now)
        for r in state.live_rates(now):
            q = r.printed
            inv, low, high = inverse(q.rate, q.decimals)
            changes = " ".join(
                f"{escape(w)}: {_signed(v)}" for w, v in sorted(r.window_changes.items())
            )
            ratio = q.change_ratio
            css = "muted" if ratio is None else "down" if ratio.is_signed() else "up"
            rows.append(
                f"<tr><td>{escape(r.source)}</td><td>{escape(str(q.pair))}</td>"
                f'<td class=n>{escape(str(q.rate))}</td><td class="n {css}">'
                f"{escape(q.change_text or '—')}</td>"
                f"<td class=n>{escape(format(inv, 'f'))} {escape(q.pair.base)}"
                f" <span class=muted>({escape(format(low, 'f'))}–{escape(format(high, 'f'))})"
                f"</span></td><td>{changes or '<span class=muted>—</span>'}</td>"
                f"<td>{escape(iso(r.changed_at) or '')}</td>"
                f"<td>{_references([d for d in deviations if d.pair == q.pair])}</td></tr>"
            )
    if not rows:
        return "<p class=muted>No rates yet.</p>"
    return (
        "<table><tr><th>Source</th><th>Pair</th><th>Rate</th><th>Printed change</th>"
        "<th>Per 1 quote</th><th>Change over windows</th><th>Last changed</th>"
        "<th>References</th></tr>" + "".join(rows) + "</table>"
    )


def _history(recent: list[HistoryRow] | str) -> str:
    """History rows as the API gives them; imported rows (from saved pages) marked."""
    if isinstance(recent, str):
        return f"<p class=down>History cannot be read: {escape(recent)}</p>" if recent else ""
    if not recent:
        return "<p class=muted>No history yet.</p>"
    rows = "".join(
        f"<tr><td>{escape(r.source)}</td><td>{escape(str(r.pair))}</td>"
        f"<td class=n>{escape(str(r.rate))}</td><td class=n>{escape(r.printed.change_text or '—')}"
        f"</td><td>{escape(iso(r.first_seen) or '')}</td><td>{escape(iso(r.last_seen) or '')}</td>"
        f"<td>{'<span class=imported>imported</span>' if r.imported else 'live'}</td></tr>"
        for r in recent
    )
    return (
        "<table><tr><th>Source</th><th>Pair</th><th>Rate</th><th>Printed change</th>"
        "<th>First seen</th><th>Last seen</th><th>From</th></tr>" + rows + "</table>"
    )


def _references(deviations: list[Deviation]) -> str:
    """Each reference's value and how far this rate is off it (0% within rounding)."""
    if not deviations:
        return "<span class=muted>—</span>"
    return "<br>".join(
        f"{escape(d.reference)} {escape(significant(d.value.span.value))}"
        f' <span class="{"muted" if d.within_rounding else "down"}">({_signed(d.reported)})'
        "</span>"
        for d in deviations
    )


def _signed(ratio: float) -> str:
    return escape(f"{ratio * 100:+.3f}%")


def _sources(
    states: list[SourceState], now: float, next_poll: Callable[[str], float | None]
) -> str:
    rows = []
    for s in states:
        status = "up" if s.up else "down"
        stale = " (stale)" if s.stale(now) else ""
        error = escape(f"{s.last_reason}: {s.last_error}") if s.last_error else ""
        polled = f"{s.source.schedule_text}; next {iso(next_poll(s.source.name)) or '—'}"
        rows.append(
            f"<tr><td>{escape(s.source.name)}</td><td>{escape(redact_url(s.source.url))}</td>"
            f'<td class="{status}">{status}{stale}</td><td>{escape(polled)}</td>'
            f"<td>{escape(iso(s.last_success_at) or 'never')}</td><td>{error}</td></tr>"
        )
    return (
        "<table><tr><th>Source</th><th>URL</th><th>Status</th><th>Polled</th>"
        "<th>Last success</th><th>Last error</th></tr>" + "".join(rows) + "</table>"
    )


def _alerts(alerts: list[AlertState]) -> str:
    if not alerts:
        return "<p class=muted>No pending or firing alerts.</p>"
    rows = "".join(
        f'<tr><td class="{"down" if a.state == "firing" else "muted"}">{escape(a.state)}</td>'
        f"<td>{escape(a.key.alertname)}</td><td>{escape(a.severity)}</td>"
        f"<td>{escape(a.annotations.get('summary', ''))}</td>"
        f"<td>{escape(iso(a.started) or '')}</td></tr>"
        for a in sorted(alerts, key=lambda a: (a.state != "firing", a.key))
    )
    return (
        "<table><tr><th>State</th><th>Alert</th><th>Severity</th><th>Summary</th>"
        "<th>Since</th></tr>" + rows + "</table>"
    )
