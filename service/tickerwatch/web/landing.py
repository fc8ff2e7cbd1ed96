"""The landing page: alerts, current rates (also inverted) with a chart of each pair's
history, sources, recent history (imported rows marked), links. Pure; every value escaped.
Times read "5 min ago", the UTC time on hover; it reads on a 420 px wide phone."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from html import escape
from urllib.parse import urlencode

from tickerwatch import __version__
from tickerwatch.core.alerts import AlertState
from tickerwatch.core.crosscheck import Deviation
from tickerwatch.core.model import Pair
from tickerwatch.core.redact import redact_url
from tickerwatch.core.snapshot import SourceState, inverse
from tickerwatch.store.schema import HistoryRow
from tickerwatch.web import chart
from tickerwatch.web.chart import Point
from tickerwatch.web.views import iso, significant

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:70rem;padding:0 .8rem;color:#222}
.scroll{overflow-x:auto;margin-bottom:1.5rem}
table{border-collapse:collapse}
td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.up{color:#080}.down{color:#b00}.muted,.flat{color:#777}
.critical{color:#fff;background:#b00;padding:0 .3em;border-radius:3px}
.warning{color:#222;background:#fc3;padding:0 .3em;border-radius:3px}
.imported{font-size:.8em;padding:0 .3em;border:1px solid #999;border-radius:3px;color:#555}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:1rem}
figure{margin:0}figcaption{font-size:.9em}
svg.chart{width:100%;height:auto;background:#fafafa;border:1px solid #eee}
svg .rate{fill:none;stroke:#1565c0;stroke-width:1.5}
svg .point{fill:#1565c0}svg .band{fill:#1565c0;opacity:.15}
svg .reference{stroke:#b00;stroke-dasharray:4 3}svg .axis{font-size:10px;fill:#777}
"""
RECENT_ROWS = 20  # history rows the page lists


Charts = dict[tuple[str, Pair], list[HistoryRow]]
CHART_SECONDS = 7 * 86400  # the charts show the last week


def render(
    states: list[SourceState],
    now: float,
    health: str,
    alerts: list[AlertState] | None = None,
    next_poll: Callable[[str], float | None] = lambda name: None,
    recent: list[HistoryRow] | str = "",
    charts: Charts | None = None,
    grafana_url: str | None = None,
    resolved: list[AlertState] | None = None,
) -> str:
    """The page; `next_poll(name)`: when the source is polled next (Unix seconds);
    `recent`: the newest history rows, newest first, or why they cannot be read; `charts`:
    each (source, pair)'s history rows of the last CHART_SECONDS, oldest first;
    `grafana_url`: where the dashboard is, linked from each chart; `resolved`: alerts
    resolved in the last 24 hours, newest first."""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        '<meta http-equiv="refresh" content="15">'
        f"<title>tickerwatch</title><style>{_STYLE}</style></head><body>"
        f"<h1>tickerwatch</h1><p>Health: <b>{escape(health)}</b> · "
        f"version {escape(__version__)} · {escape(iso(now) or '')}</p>"
        f"<h2>Alerts</h2>{_alerts(alerts or [], now)}{_resolved(resolved or [], now)}"
        f"<h2>Rates</h2>{_rates(states, now)}"
        f"<h2>History (up to 7 days)</h2>{_charts(states, now, charts or {}, grafana_url)}"
        f"<h2>Sources</h2>{_sources(states, now, next_poll)}"
        f"<h2>Recent history</h2>{_history(recent, now)}"
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
            css = "muted" if ratio is None else _direction(ratio)
            rows.append(
                f"<tr><td>{escape(r.source)}</td><td>{escape(str(q.pair))}</td>"
                f'<td class=n>{escape(str(q.rate))}</td><td class="n {css}">'
                f"{escape(q.change_text or '—')}</td>"
                f"<td class=n>{escape(format(inv, 'f'))} {escape(q.pair.base)} per"
                f" {escape(q.pair.quote)}"
                f" <span class=muted>({escape(format(low, 'f'))}–{escape(format(high, 'f'))})"
                f"</span></td><td>{changes or '<span class=muted>—</span>'}</td>"
                f"<td>{ago(r.changed_at, now)}</td>"
                f"<td>{_references([d for d in deviations if d.pair == q.pair])}</td></tr>"
            )
    if not rows:
        return "<p class=muted>No rates yet.</p>"
    return (
        "<div class=scroll><table><tr><th>Source</th><th>Pair</th><th>Rate</th>"
        "<th>Printed change</th><th>Inverse</th><th>Change over windows</th>"
        "<th>Last changed</th><th>References</th></tr>" + "".join(rows) + "</table></div>"
    )


def _history(recent: list[HistoryRow] | str, now: float) -> str:
    """History rows as the API gives them; imported rows (from saved pages) marked."""
    if isinstance(recent, str):
        return f"<p class=down>History cannot be read: {escape(recent)}</p>" if recent else ""
    if not recent:
        return "<p class=muted>No history yet.</p>"
    rows = "".join(
        f"<tr><td>{escape(r.source)}</td><td>{escape(str(r.pair))}</td>"
        f"<td class=n>{escape(str(r.rate))}</td><td class=n>{escape(r.printed.change_text or '—')}"
        f"</td><td>{ago(r.first_seen, now)}</td><td>{ago(r.last_seen, now)}</td>"
        f"<td>{'<span class=imported>imported</span>' if r.imported else 'live'}</td></tr>"
        for r in recent
    )
    return (
        "<div class=scroll><table><tr><th>Source</th><th>Pair</th><th>Rate</th>"
        "<th>Printed change</th><th>First seen</th><th>Last seen</th><th>From</th></tr>"
        + rows
        + "</table></div>"
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
    text = escape(f"{ratio * 100:+.3f}%")
    return f'<span class="{_direction(ratio)}">{text}</span>'


def _direction(ratio: float | Decimal) -> str:
    """The CSS class of a change: up, down, or flat for 0 (neither good nor bad)."""
    return "flat" if ratio == 0 else "down" if ratio < 0 else "up"


def ago(ts: float | None, now: float) -> str:
    """`<time>` reading "5 min ago" (or "in 3 min"), the UTC time on hover."""
    if ts is None:
        return "<span class=muted>never</span>"
    seconds = now - ts
    words = _duration_words(abs(seconds))
    text = "just now" if abs(seconds) < 5 else f"{words} ago" if seconds > 0 else f"in {words}"
    stamp = escape(iso(ts) or "")
    return f'<time datetime="{stamp}" title="{stamp}">{escape(text)}</time>'


def _duration_words(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def _sources(
    states: list[SourceState], now: float, next_poll: Callable[[str], float | None]
) -> str:
    rows = []
    for s in states:
        status = "up" if s.up else "down"
        stale = " (stale)" if s.stale(now) else ""
        error = escape(f"{s.last_reason}: {s.last_error}") if s.last_error else ""
        polled = f"{escape(s.source.schedule_text)}; next poll {ago(next_poll(s.source.name), now)}"
        rows.append(
            f"<tr><td>{escape(s.source.name)}</td><td>{escape(redact_url(s.source.url))}</td>"
            f'<td class="{status}">{status}{stale}</td><td>{polled}</td>'
            f"<td>{ago(s.last_success_at, now)}</td><td>{error}</td></tr>"
        )
    return (
        "<div class=scroll><table><tr><th>Source</th><th>URL</th><th>Status</th><th>Polled</th>"
        "<th>Last success</th><th>Last error</th></tr>" + "".join(rows) + "</table></div>"
    )


def _alerts(alerts: list[AlertState], now: float) -> str:
    if not alerts:
        return "<p class=muted>No pending or firing alerts.</p>"
    rows = "".join(
        f'<tr><td class="{"down" if a.state == "firing" else "muted"}">{escape(a.state)}</td>'
        f"<td>{escape(a.key.alertname)}</td>"
        f'<td><span class="{_severity(a.severity)}">{escape(a.severity)}</span></td>'
        f"<td>{escape(a.annotations.get('summary', ''))}</td>"
        f"<td>{ago(a.started, now)}</td></tr>"
        for a in sorted(alerts, key=lambda a: (a.state != "firing", a.key))
    )
    return (
        "<div class=scroll><table><tr><th>State</th><th>Alert</th><th>Severity</th>"
        "<th>Summary</th><th>Since</th></tr>" + rows + "</table></div>"
    )


def _resolved(alerts: list[AlertState], now: float) -> str:
    if not alerts:
        return ""
    rows = "".join(
        f"<tr><td>{escape(a.key.alertname)}</td>"
        f'<td><span class="{_severity(a.severity)}">{escape(a.severity)}</span></td>'
        f"<td>{escape(a.annotations.get('summary', ''))}</td>"
        f"<td>{escape(a.annotations.get('resolved', ''))}</td>"
        f"<td>{ago(a.resolved_at, now)}</td></tr>"
        for a in alerts
    )
    return (
        "<h3>Resolved in the last 24 hours</h3><div class=scroll><table><tr><th>Alert</th>"
        "<th>Severity</th><th>Summary</th><th>Now</th><th>Resolved</th></tr>"
        + rows
        + "</table></div>"
    )


def _severity(severity: str) -> str:
    return "critical" if severity == "critical" else "warning"


def _charts(states: list[SourceState], now: float, charts: Charts, grafana_url: str | None) -> str:
    """A chart per live pair: its history, its printed precision, its first reference."""
    figures = []
    by_name = {s.source.name: s for s in states}
    for state in states:
        deviations = state.deviations(by_name, now)
        for r in state.live_rates(now):
            pair, rows = r.printed.pair, charts.get((r.source, r.printed.pair), [])
            points = [Point(h.first_seen, h.rate, h.printed.resolution) for h in rows]
            ref = next((d for d in deviations if d.pair == pair), None)
            start = max(now - CHART_SECONDS, min((p.at for p in points), default=now))
            drawn = chart.svg(points, start, now, ref.value.span.value if ref else None)
            query = urlencode({"source": r.source, "pair": str(pair), "since": "0"})
            links = f'<a href="/api/v1/rates/history?{escape(query)}">history (JSON)</a>'
            if grafana_url:
                board = f"{grafana_url.rstrip('/')}/d/tickerwatch?" + urlencode(
                    {"var-source": r.source}
                )
                links += f' · <a href="{escape(board)}">Grafana</a>'
            legend = f" · dashed: {escape(ref.reference)}" if ref else ""
            figures.append(
                f"<figure>{drawn}<figcaption>{escape(str(pair))} on {escape(r.source)}"
                f" · {len(points)} value{'s' * (len(points) != 1)} since"
                f" {ago(start, now)}{legend} · {links}"
                "</figcaption></figure>"
            )
    return f"<div class=charts>{''.join(figures)}</div>" if figures else ""
