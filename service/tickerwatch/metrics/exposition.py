"""Prometheus text (and OpenMetrics) for the per-source families, rendered per source and
cached until that source changes. The poller renders a source right after polling it
(`refresh`), so a scrape copies text; it renders only what changed without a poll (a
rate passing drop_after).

Sample lines are the same in both formats; only a counter's HELP/TYPE name differs
(`x_total` in text format 0.0.4, `x` in OpenMetrics).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from prometheus_client.utils import floatToGoString as _untyped_go

from tickerwatch.core.alerts import AlertState
from tickerwatch.core.errors import FAILURE_REASONS
from tickerwatch.core.settings import Source
from tickerwatch.core.snapshot import POLL_BUCKETS, Rate, SourceState
from tickerwatch.metrics.ratelines import (
    NS,
    RATE,
    Memo,
    label_text,
    rate_chunks,
    remembered,
    sample_text,
)

__all__ = ["NS", "RATE", "REASONS", "Exposition"]

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


REASONS = (
    "timeout, connect, http_status, too_large, redirect, decode, no_ticker, too_many_pairs,"
    " internal"
)
FAMILIES: Final = (
    Family(RATE, "gauge", f"Units of quote per one unit of base, as printed. {CACHED}"),
    Family(
        f"{RATE}_source_change_ratio",
        "gauge",
        "The change the source itself prints, as a ratio (-0.22% is -0.0022; an absolute"
        f" change c of a rate r is c / (r - c)); absent when it prints none. {CACHED}",
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
    Family(
        f"{RATE}_effective_timestamp_seconds",
        "gauge",
        "Unix time the rate takes effect: 00:00 of the date the feed prints, in the source's"
        f" time zone (dated sources only). {CACHED}",
    ),
    Family(f"{NS}_source_up", "gauge", "1 if the last poll of the source fetched and parsed."),
    Family(
        f"{NS}_source_last_success_timestamp_seconds",
        "gauge",
        "Unix time of the last good poll of the source.",
    ),
    Family(f"{NS}_source_polls", "counter", "Polls of a source, good or failed."),
    Family(
        f"{NS}_source_stale_polls",
        "counter",
        "Polls whose body was dated before the newest rates already recorded (not stored).",
    ),
    Family(
        f"{NS}_source_polls_skipped",
        "counter",
        "Scheduled polls not run: the previous poll of the source was still running, or the"
        " event loop was too busy to start it within its misfire grace (one interval).",
    ),
    Family(f"{NS}_source_poll_failures", "counter", f"Failed polls by reason: {REASONS}."),
    Family(
        f"{NS}_source_poll_duration_seconds",
        "histogram",
        "Time a poll took: fetch, parse, de-duplicate, store.",
    ),
    Family(
        f"{NS}_ticker_entries",
        "gauge",
        f"Readable ticker entries on the last parsed page, repeats included. {CACHED}",
    ),
    Family(f"{NS}_ticker_pairs", "gauge", f"Distinct pairs on the last parsed page. {CACHED}"),
    Family(
        f"{NS}_ticker_conflicts",
        "counter",
        "Polls whose repeated ticker copies disagreed about a pair.",
    ),
    Family(
        f"{NS}_ticker_unreadable_entries",
        "gauge",
        "Entries on the last parsed page that look like quotes but cannot be read (an"
        f" ambiguous or malformed number), repeats included; see /api/v1/sources. {CACHED}",
    ),
    Family(
        f"{NS}_source_decode_errors",
        "counter",
        "Invalid byte sequences in fetched bodies, replaced with U+FFFD while decoding.",
    ),
)
ALERTS: Final = Family(f"{NS}_alerts", "gauge", "1 for each pending or firing alert.")
DEVIATION: Final = (
    Family(
        f"{RATE}_deviation_ratio",
        "gauge",
        "The source's rate over the reference's, minus 1; 0 when the two agree within the"
        " rounding of their printed digits.",
    ),
    Family(
        f"{RATE}_deviation_ratio_min",
        "gauge",
        "The lowest deviation the printed digits of source and reference allow.",
    ),
    Family(
        f"{RATE}_deviation_ratio_max",
        "gauge",
        "The highest deviation the printed digits of source and reference allow.",
    ),
)
_BOUNDS: Final = [floatToGoString(b) for b in POLL_BUCKETS] + ["+Inf"]


@dataclass(frozen=True, slots=True)
class _SourceSeries:
    up: str
    last_success: str
    polls: str
    stale_polls: str
    skipped: str
    failures: dict[str, str]
    buckets: tuple[str, ...]
    count: str
    total: str
    entries: str
    pairs: str
    unreadable: str
    decode_errors: str


@remembered
def _source_series(source: str) -> _SourceSeries:
    src = label_text([("source", source)])
    family = f"{NS}_source_poll_duration_seconds"
    failure = {r: label_text([("reason", r), ("source", source)]) for r in FAILURE_REASONS}
    return _SourceSeries(
        up=f"{NS}_source_up{{{src}}} ",
        last_success=f"{NS}_source_last_success_timestamp_seconds{{{src}}} ",
        polls=f"{NS}_source_polls_total{{{src}}} ",
        stale_polls=f"{NS}_source_stale_polls_total{{{src}}} ",
        skipped=f"{NS}_source_polls_skipped_total{{{src}}} ",
        failures={
            r: f"{NS}_source_poll_failures_total{{{labels}}} " for r, labels in failure.items()
        },
        buckets=tuple(
            f"{family}_bucket{{{label_text([('le', le), ('source', source)])}}} " for le in _BOUNDS
        ),
        count=f"{family}_count{{{src}}} ",
        total=f"{family}_sum{{{src}}} ",
        entries=f"{NS}_ticker_entries{{{src}}} ",
        pairs=f"{NS}_ticker_pairs{{{src}}} ",
        unreadable=f"{NS}_ticker_unreadable_entries{{{src}}} ",
        decode_errors=f"{NS}_source_decode_errors_total{{{src}}} ",
    )


@remembered
def _conflict_series(source: str, base: str, quote: str) -> str:
    labels = label_text([("source", source), ("base", base), ("quote", quote)])
    return f"{NS}_ticker_conflicts_total{{{labels}}} "


class Exposition:
    """Renders the per-source families; remembers each source's lines by its version, and
    each pair's lines by what they show, so a poll that only saw its pairs again renders
    their updated timestamps alone."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[tuple[int, Source, int, tuple[object, ...]], list[str]]] = {}
        self._pairs: dict[str, tuple[Source, Memo]] = {}

    def render(
        self, states: list[SourceState], alerts: Iterable[AlertState], now: float, openmetrics: bool
    ) -> str:
        chunks = [self._source_chunks(s, now) for s in states]
        names = {s.source.name for s in states}
        if len(self._cache) > len(names):
            self._cache = {k: v for k, v in self._cache.items() if k in names}
        if len(self._pairs) > len(names):
            self._pairs = {k: v for k, v in self._pairs.items() if k in names}
        out = []
        for i, family in enumerate(FAMILIES):
            out.append(family.header(openmetrics))
            out.extend(chunk[i] for chunk in chunks)
        out.append(ALERTS.header(openmetrics))
        out.extend(_alert_lines(alerts))
        out.extend(_deviation_chunks(states, now, openmetrics))
        return "".join(out)

    def refresh(self, state: SourceState, now: float) -> None:
        """Render a source that just changed now, so that the next scrape only copies it:
        the work is done once per poll instead of by a scrape that finds everything new."""
        self._source_chunks(state, now)

    def _source_chunks(self, state: SourceState, now: float) -> list[str]:
        live = state.live_rates(now)
        # the Source itself: a reload replaces it (new windows, …) without a poll
        key = (id(state), state.source, state.version, tuple(r.pair for r in live))
        cached = self._cache.get(state.source.name)
        if cached is not None and cached[0] == key:
            return cached[1]
        source = state.source
        kept = self._pairs.get(source.name)
        memo: Memo = kept[1] if kept is not None and kept[0] is source else {}
        chunks = _render_source(state, live, memo)
        self._pairs[source.name] = (source, memo)
        self._cache[source.name] = (key, chunks)
        return chunks


def _render_source(state: SourceState, live: list[Rate], memo: Memo | None = None) -> list[str]:
    """One chunk per family in FAMILIES order: the pair families, then the source ones;
    `memo`: the source's pair lines, reused where they fit and kept up to date."""
    return rate_chunks(state, live, {} if memo is None else memo) + _status_chunks(state)


def _line(name: str, labels: str, value: float) -> str:
    return f"{name}{{{labels}}} {sample_text(value)}\n"


def _status_chunks(state: SourceState) -> list[str]:
    """Source status, poll counters and histogram, ticker sizes, conflicts, unreadable
    entries and decode errors."""
    name = state.source.name
    series = _source_series(name)
    success = state.last_success_at
    parsed = state.last_result is not None
    d = state.durations
    return [
        f"{series.up}{1.0 if state.up else 0.0}\n",
        "" if success is None else f"{series.last_success}{sample_text(success)}\n",
        f"{series.polls}{sample_text(state.polls)}\n",
        f"{series.stale_polls}{sample_text(state.stale_polls)}\n",
        f"{series.skipped}{sample_text(state.skipped_polls)}\n",
        "".join(f"{series.failures[r]}{sample_text(n)}\n" for r, n in state.failures.items()),
        "".join(
            f"{prefix}{sample_text(n)}\n"
            for prefix, n in zip(series.buckets, [*d.buckets, d.count], strict=True)
        )
        + f"{series.count}{sample_text(d.count)}\n{series.total}{sample_text(d.total)}\n",
        f"{series.entries}{sample_text(state.entries)}\n" if parsed else "",
        f"{series.pairs}{sample_text(state.pairs)}\n" if parsed else "",
        "".join(
            f"{_conflict_series(name, p.base, p.quote)}{sample_text(n)}\n"
            for p, n in state.conflict_counts.items()
        ),
        f"{series.unreadable}{sample_text(state.unreadable_entries)}\n" if parsed else "",
        f"{series.decode_errors}{sample_text(state.decode_errors)}\n",
    ]


def _deviation_chunks(states: list[SourceState], now: float, openmetrics: bool) -> list[str]:
    """The cross-check families, computed at scrape time: they depend on two sources each."""
    by_name = {s.source.name: s for s in states}
    found = [d for s in states if s.source.references for d in s.deviations(by_name, now)]
    if not found:
        return []
    lines: list[list[str]] = [[], [], []]
    for d in found:
        labels = label_text(
            [("source", d.source), ("reference", d.reference), ("base", d.pair.base),
             ("quote", d.pair.quote)]
        )  # fmt: skip
        for i, value in enumerate((d.reported, d.low, d.high)):
            lines[i].append(_line(DEVIATION[i].name, labels, value))
    return [f.header(openmetrics) + "".join(ls) for f, ls in zip(DEVIATION, lines, strict=True)]


def _alert_lines(alerts: Iterable[AlertState]) -> list[str]:
    lines = []
    for a in alerts:
        if a.state in ("pending", "firing"):
            k = a.key
            labels = label_text(
                [("alertname", k.alertname), ("state", a.state), ("severity", a.severity),
                 ("source", k.source), ("base", k.base), ("quote", k.quote)]
            )  # fmt: skip
            lines.append(_line(f"{NS}_alerts", labels, 1.0))
    return lines
