"""Prometheus text (and OpenMetrics) for the per-source families, rendered per source and
cached until that source changes. With a thousand sources a scrape re-renders only the
few sources polled since the last one, instead of every sample every time.

Sample lines are the same in both formats; only a counter's HELP/TYPE name differs
(`x_total` in text format 0.0.4, `x` in OpenMetrics).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from prometheus_client.utils import floatToGoString as _untyped_go

from tickerwatch.alerts import AlertState
from tickerwatch.state import POLL_BUCKETS, Rate, SourceState

NS: Final = "tickerwatch"
floatToGoString: Callable[[float], str] = _untyped_go
CACHED: Final = "Cached from the last good poll."


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    kind: str  # gauge, counter (name without _total) or histogram
    help: str

    def header(self, openmetrics: bool) -> str:
        name = self.name if openmetrics or self.kind != "counter" else f"{self.name}_total"
        return f"# HELP {name} {self.help}\n# TYPE {name} {self.kind}\n"


RATE = f"{NS}_exchange_rate"
REASONS = "timeout, connect, http_status, too_large, redirect, decode, no_ticker, internal"
FAMILIES: Final = (
    Family(RATE, "gauge", f"Units of quote per one unit of base, as printed. {CACHED}"),
    Family(
        f"{RATE}_source_change_ratio",
        "gauge",
        f"The change the source itself prints, as a ratio (-0.22% is -0.0022). {CACHED}",
    ),
    Family(
        f"{RATE}_change_ratio",
        "gauge",
        f"Change of the rate over the window, from history (0.01 is +1%). {CACHED}",
    ),
    Family(f"{RATE}_previous", "gauge", f"The rate before its last change. {CACHED}"),
    Family(
        f"{RATE}_resolution",
        "gauge",
        f"The smallest step the source prints (1e-05 for 5 decimals). {CACHED}",
    ),
    Family(
        f"{RATE}_updated_timestamp_seconds",
        "gauge",
        "Unix time the pair was last seen in a good poll.",
    ),
    Family(f"{RATE}_changed_timestamp_seconds", "gauge", "Unix time the rate last changed."),
    Family(f"{NS}_source_up", "gauge", "1 if the last poll of the source fetched and parsed."),
    Family(
        f"{NS}_source_last_success_timestamp_seconds",
        "gauge",
        "Unix time of the last good poll of the source.",
    ),
    Family(f"{NS}_source_polls", "counter", "Polls of a source, good or failed."),
    Family(f"{NS}_source_poll_failures", "counter", f"Failed polls by reason: {REASONS}."),
    Family(
        f"{NS}_source_poll_duration_seconds",
        "histogram",
        "Time a poll took: fetch, parse, de-duplicate, store.",
    ),
    Family(
        f"{NS}_ticker_entries",
        "gauge",
        f"Ticker entries on the last parsed page, repeats included. {CACHED}",
    ),
    Family(f"{NS}_ticker_pairs", "gauge", f"Distinct pairs on the last parsed page. {CACHED}"),
    Family(
        f"{NS}_ticker_conflicts",
        "counter",
        "Polls whose repeated ticker copies disagreed about a pair.",
    ),
)
ALERTS: Final = Family(f"{NS}_alerts", "gauge", "1 for each pending or firing alert.")
_BOUNDS: Final = [floatToGoString(b) for b in POLL_BUCKETS] + ["+Inf"]


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    """Label pairs sorted by name, as prometheus_client writes them."""
    return _label_text(tuple(sorted(pairs)))


@functools.lru_cache(maxsize=200_000)
def _label_text(pairs: tuple[tuple[str, str], ...]) -> str:
    """Label sets repeat on every render (source, pair, reason, le): write each once."""
    return ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)


def _number(value: float) -> str:
    """A sample value: repr of the float (valid in both formats), +Inf/-Inf/NaN spelled out."""
    value = float(value)
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def _line(name: str, labels: str, value: float) -> str:
    return f"{name}{{{labels}}} {_number(value)}\n"


class Exposition:
    """Renders the per-source families; remembers each source's lines by its version."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[tuple[int, int, tuple[object, ...]], list[str]]] = {}

    def render(
        self, states: list[SourceState], alerts: Iterable[AlertState], now: float, openmetrics: bool
    ) -> str:
        chunks = [self._source_chunks(s, now) for s in states]
        names = {s.source.name for s in states}
        if len(self._cache) > len(names):
            self._cache = {k: v for k, v in self._cache.items() if k in names}
        out = []
        for i, family in enumerate(FAMILIES):
            out.append(family.header(openmetrics))
            out.extend(chunk[i] for chunk in chunks)
        out.append(ALERTS.header(openmetrics))
        out.extend(_alert_lines(alerts))
        return "".join(out)

    def _source_chunks(self, state: SourceState, now: float) -> list[str]:
        live = state.live_rates(now)
        key = (id(state), state.version, tuple(r.pair for r in live))
        cached = self._cache.get(state.source.name)
        if cached is not None and cached[0] == key:
            return cached[1]
        chunks = _render_source(state, live)
        self._cache[state.source.name] = (key, chunks)
        return chunks


def _render_source(state: SourceState, live: list[Rate]) -> list[str]:
    """One chunk per family in FAMILIES order: the pair families, then the source ones."""
    return _rate_chunks(state, live) + _status_chunks(state)


def _rate_chunks(state: SourceState, live: list[Rate]) -> list[str]:
    """The seven tickerwatch_exchange_rate* families for the live pairs of one source."""
    name = state.source.name
    rate, printed, change, previous, resolution, updated, changed = ([] for _ in range(7))
    for r in live:
        pair = [("source", name), ("base", r.pair.base), ("quote", r.pair.quote)]
        labels = _labels(pair)
        q = r.quote
        rate.append(_line(RATE, labels, float(q.rate)))
        printed.append(_line(f"{RATE}_source_change_ratio", labels, float(q.change_ratio)))
        for window, value in r.window_changes.items():
            if window in state.source.windows:
                windowed = _labels([*pair, ("window", window)])
                change.append(_line(f"{RATE}_change_ratio", windowed, value))
        if r.previous is not None:
            previous.append(_line(f"{RATE}_previous", labels, float(r.previous)))
        resolution.append(_line(f"{RATE}_resolution", labels, float(q.resolution)))
        updated.append(_line(f"{RATE}_updated_timestamp_seconds", labels, r.updated_at))
        changed.append(_line(f"{RATE}_changed_timestamp_seconds", labels, r.changed_at))
    return [
        "".join(lines) for lines in (rate, printed, change, previous, resolution, updated, changed)
    ]


def _status_chunks(state: SourceState) -> list[str]:
    """Source status, poll counters and histogram, ticker sizes and conflicts."""
    name = state.source.name
    src = _labels([("source", name)])
    success = state.last_success_at
    parsed = state.last_result is not None
    return [
        _line(f"{NS}_source_up", src, 1.0 if state.up else 0.0),
        ""
        if success is None
        else _line(f"{NS}_source_last_success_timestamp_seconds", src, success),
        _line(f"{NS}_source_polls_total", src, state.polls),
        "".join(
            _line(f"{NS}_source_poll_failures_total", _labels([("reason", r), ("source", name)]), n)
            for r, n in state.failures.items()
        ),
        _histogram(name, state),
        _line(f"{NS}_ticker_entries", src, state.entries) if parsed else "",
        _line(f"{NS}_ticker_pairs", src, state.pairs) if parsed else "",
        "".join(
            _line(
                f"{NS}_ticker_conflicts_total",
                _labels([("source", name), ("base", p.base), ("quote", p.quote)]),
                n,
            )
            for p, n in state.conflict_counts.items()
        ),
    ]


def _histogram(name: str, state: SourceState) -> str:
    family = f"{NS}_source_poll_duration_seconds"
    d = state.durations
    src = _labels([("source", name)])
    buckets = zip(_BOUNDS, [*d.buckets, d.count], strict=True)
    lines = [
        _line(f"{family}_bucket", _labels([("le", le), ("source", name)]), n) for le, n in buckets
    ]
    lines.append(_line(f"{family}_count", src, d.count))
    lines.append(_line(f"{family}_sum", src, d.total))
    return "".join(lines)


def _alert_lines(alerts: Iterable[AlertState]) -> list[str]:
    lines = []
    for a in alerts:
        if a.state in ("pending", "firing"):
            k = a.key
            labels = _labels(
                [("alertname", k.alertname), ("state", a.state), ("severity", a.severity),
                 ("source", k.source), ("base", k.base), ("quote", k.quote)]
            )  # fmt: skip
            lines.append(_line(f"{NS}_alerts", labels, 1.0))
    return lines
