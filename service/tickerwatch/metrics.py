"""Prometheus metrics. Rates come from a collector that reads the current snapshot at scrape
time; the service's own work is counted with ordinary instruments, label sets set to 0."""

from __future__ import annotations

import contextlib
import platform
from collections.abc import Callable, Iterable, Iterator
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tickerwatch import __version__
from tickerwatch.alerts import AlertState
from tickerwatch.errors import FAILURE_REASONS
from tickerwatch.model import Pair
from tickerwatch.state import Rate, SourceState

NS: Final = "tickerwatch"
CACHED: Final = "Cached from the last good poll."
PAIR_LABELS: Final = ["source", "base", "quote"]
POLL_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60)


class Metrics:
    """Every instrument of one service instance, on its own registry."""

    def __init__(
        self,
        states: Callable[[], Iterable[SourceState]],
        clock: Callable[[], float],
        alerts: Callable[[], Iterable[AlertState]] = list,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        r = self.registry
        self.polls = Counter(
            f"{NS}_source_polls", "Polls of a source, good or failed.", ["source"], registry=r
        )
        self.failures = Counter(
            f"{NS}_source_poll_failures",
            "Failed polls of a source by reason: " + ", ".join(FAILURE_REASONS) + ".",
            ["source", "reason"],
            registry=r,
        )
        self.duration = Histogram(
            f"{NS}_source_poll_duration_seconds",
            "Time a poll took: fetch, parse, de-duplicate, store.",
            ["source"],
            buckets=POLL_BUCKETS,
            registry=r,
        )
        self.conflicts = Counter(
            f"{NS}_ticker_conflicts",
            "Polls whose repeated ticker copies disagreed about a pair.",
            PAIR_LABELS,
            registry=r,
        )
        self.reload_ok = Gauge(
            f"{NS}_config_last_reload_successful",
            "1 if the last configuration load succeeded.",
            registry=r,
        )
        self.reload_time = Gauge(
            f"{NS}_config_last_reload_success_timestamp_seconds",
            "Time of the last successful configuration load.",
            registry=r,
        )
        self.notifications = Counter(
            f"{NS}_notifications",
            "Notifications delivered, per receiver (webhook name or alertmanager:host:port).",
            ["receiver"],
            registry=r,
        )
        self.notification_failures = Counter(
            f"{NS}_notification_failures",
            "Failed notification attempts (each retry counts), per receiver.",
            ["receiver"],
            registry=r,
        )
        self.queue_length = Gauge(
            f"{NS}_notification_queue_length",
            "Webhook notifications queued and not yet delivered.",
            registry=r,
        )
        build = Gauge(
            f"{NS}_build_info",
            "tickerwatch's version and Python's, as labels; always 1.",
            ["version", "python_version"],
            registry=r,
        )
        build.labels(__version__, platform.python_version()).set(1)
        r.register(SnapshotCollector(states, clock, alerts))

    def add_source(self, name: str) -> None:
        """Initialise a source's label sets to 0 so rate() and increase() see the first poll."""
        self.polls.labels(name)
        self.duration.labels(name)
        for reason in FAILURE_REASONS:
            self.failures.labels(name, reason)

    def remove_source(self, name: str) -> None:
        for metric in (self.polls, self.duration):
            _forget(metric, (name,))
        for reason in FAILURE_REASONS:
            _forget(self.failures, (name, reason))

    def add_receiver(self, name: str) -> None:
        self.notifications.labels(name)
        self.notification_failures.labels(name)

    def count_conflict(self, source: str, pair: Pair) -> None:
        self.conflicts.labels(source, pair.base, pair.quote).inc()


def _forget(metric: Counter | Histogram, labels: tuple[str, ...]) -> None:
    with contextlib.suppress(KeyError):
        metric.remove(*labels)


class SnapshotCollector(Collector):
    """Rates and source status, read from the current snapshot at scrape time."""

    def __init__(
        self,
        states: Callable[[], Iterable[SourceState]],
        clock: Callable[[], float],
        alerts: Callable[[], Iterable[AlertState]],
    ) -> None:
        self._states = states
        self._clock = clock
        self._alerts = alerts

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        now = self._clock()
        states = list(self._states())
        yield from _rate_families(states, now)
        yield from _source_families(states)
        yield _alert_family(self._alerts())


def _alert_family(alerts: Iterable[AlertState]) -> Metric:
    family = GaugeMetricFamily(
        f"{NS}_alerts",
        "1 for each pending or firing alert.",
        labels=["alertname", "state", "severity", "source", "base", "quote"],
    )
    for a in alerts:
        if a.state in ("pending", "firing"):
            k = a.key
            family.add_metric([k.alertname, a.state, a.severity, k.source, k.base, k.quote], 1.0)
    return family


def _rate_families(states: list[SourceState], now: float) -> Iterator[Metric]:
    def family(name: str, doc: str, extra: tuple[str, ...] = ()) -> GaugeMetricFamily:
        return GaugeMetricFamily(f"{NS}_exchange_rate{name}", doc, labels=[*PAIR_LABELS, *extra])

    rate = family("", f"Units of quote per one unit of base, as the source prints it. {CACHED}")
    source_change = family(
        "_source_change_ratio",
        f"The change the source itself prints, as a ratio (-0.22% is -0.0022). {CACHED}",
    )
    change = family(
        "_change_ratio",
        f"Change of the rate over the window, computed from history (0.01 is +1%). {CACHED}",
        ("window",),
    )
    previous = family("_previous", f"The rate before its last change. {CACHED}")
    resolution = family(
        "_resolution", f"The smallest step the source prints (1e-05 for 5 decimals). {CACHED}"
    )
    updated = family(
        "_updated_timestamp_seconds", "Unix time the pair was last seen in a good poll."
    )
    changed = family("_changed_timestamp_seconds", "Unix time the rate last changed.")
    for state in states:
        for r in state.live_rates(now):
            labels = _labels(r)
            rate.add_metric(labels, float(r.quote.rate))
            source_change.add_metric(labels, float(r.quote.change_ratio))
            resolution.add_metric(labels, float(r.quote.resolution))
            updated.add_metric(labels, r.updated_at)
            changed.add_metric(labels, r.changed_at)
            if r.previous is not None:
                previous.add_metric(labels, float(r.previous))
            for window, value in r.window_changes.items():
                if window in state.source.windows:
                    change.add_metric([*labels, window], value)
    yield from (rate, source_change, change, previous, resolution, updated, changed)


def _labels(r: Rate) -> list[str]:
    return [r.source, r.pair.base, r.pair.quote]


def _source_families(states: list[SourceState]) -> Iterator[Metric]:
    up = GaugeMetricFamily(
        f"{NS}_source_up", "1 if the last poll of the source fetched and parsed.", labels=["source"]
    )
    success = GaugeMetricFamily(
        f"{NS}_source_last_success_timestamp_seconds",
        "Unix time of the last good poll of the source.",
        labels=["source"],
    )
    entries = GaugeMetricFamily(
        f"{NS}_ticker_entries",
        f"Ticker entries on the last parsed page, repeats included. {CACHED}",
        labels=["source"],
    )
    pairs = GaugeMetricFamily(
        f"{NS}_ticker_pairs", f"Distinct pairs on the last parsed page. {CACHED}", labels=["source"]
    )
    for state in states:
        name = [state.source.name]
        up.add_metric(name, 1.0 if state.up else 0.0)
        if state.last_success_at is not None:
            success.add_metric(name, state.last_success_at)
        if state.last_result is not None:
            entries.add_metric(name, state.entries)
            pairs.add_metric(name, state.pairs)
    yield from (up, success, entries, pairs)
