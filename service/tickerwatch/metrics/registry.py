"""/metrics: the per-source families from the snapshot (exposition.py, cached per source)
and the service-wide instruments of prometheus_client (notifications, config, build)."""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable
from typing import Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client import exposition as text_format
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from tickerwatch import __version__
from tickerwatch.core.alerts import AlertState
from tickerwatch.core.errors import FAILURE_REASONS as POLL_FAILURES
from tickerwatch.core.settings import Placement
from tickerwatch.core.snapshot import SourceState
from tickerwatch.core.storage import STORAGE_FAULTS, StorageHealth
from tickerwatch.metrics.exposition import NS, REASONS, Exposition
from tickerwatch.notify.base import DROP_REASONS, FAILURE_REASONS, DropReason, FailureReason

PROBE_OUTCOMES: Final = ("success", "failed", "bad_request", "denied", "saturated", "cancelled")
# Why tickerwatch closed a web connection (web.guard).
HTTP_CLOSE_REASONS: Final = ("head_timeout", "over_limit", "ambiguous_length")
# What started an alert evaluation (engine.alerting).
ALERT_TRIGGERS: Final = ("poll", "timer", "all")


class Metrics:
    def __init__(
        self,
        states: Callable[[], Iterable[SourceState]],
        clock: Callable[[], float],
        alerts: Callable[[], Iterable[AlertState]] = list,
        storage: StorageHealth | None = None,
    ) -> None:
        self._states = states
        self._alerts = alerts
        self._clock = clock
        self._exposition = Exposition()
        self._receivers: set[str] = set()
        self.registry = r = CollectorRegistry(auto_describe=False)
        self._notification_instruments(r)
        self._service_instruments(r)
        self._alert_instruments(r)
        r.register(_StorageCollector(storage or StorageHealth(), clock))
        self.shard_info = Gauge(
            f"{NS}_shard_info",
            "The shard this process polls (hashmod of the source name, of `shards`) and its"
            ' HA replica ("" when not one of a pair), as labels; always 1.',
            ["shard", "shards", "replica"],
            registry=r,
        )
        self._probe_instruments(r)
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)

    def _service_instruments(self, r: CollectorRegistry) -> None:
        """The process's own state: config reloads, build, web connections, clock steps."""
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
        build = Gauge(
            f"{NS}_build_info",
            "tickerwatch's version and Python's, as labels; always 1.",
            ["version", "python_version"],
            registry=r,
        )
        build.labels(__version__, platform.python_version()).set(1)
        self.http_connections_closed = Counter(
            f"{NS}_http_connections_closed",
            "Web connections closed by tickerwatch, by reason: head_timeout (no complete"
            " request head within 10 s), over_limit (the longest-waiting one, to make room),"
            " ambiguous_length (Content-Length with Transfer-Encoding, answered 400).",
            ["reason"], registry=r,
        )  # fmt: skip
        for reason in HTTP_CLOSE_REASONS:
            self.http_connections_closed.labels(reason)
        self.clock_steps = Counter(
            f"{NS}_clock_steps",
            "Steps of the wall clock of more than 2 s (NTP, date -s, a resumed VM); every"
            " schedule is re-planned from the new time.",
            registry=r,
        )

    def _alert_instruments(self, r: CollectorRegistry) -> None:
        self.alert_evaluation = Histogram(
            f"{NS}_alert_evaluation_seconds",
            "CPU time of the event loop's thread spent evaluating alert rules"
            " (observations, state machine, what to write; not the wait for the write), by"
            " trigger: poll (the rules of the source just polled), timer (every 10 s: what"
            " the clock alone changes), all (every rule over every source, after a reload).",
            ["trigger"], registry=r,
            buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                     0.25, 0.5, 1.0, 2.5),
        )  # fmt: skip
        for trigger in ALERT_TRIGGERS:
            self.alert_evaluation.labels(trigger)

    def alerts_evaluated(self, trigger: str, seconds: float) -> None:
        """One alert evaluation (trigger from ALERT_TRIGGERS) took `seconds`."""
        self.alert_evaluation.labels(trigger).observe(seconds)

    def placed(self, placement: Placement) -> None:
        """Say which shard and replica this process is (tickerwatch_shard_info)."""
        self.shard_info.clear()
        replica = placement.replica or ""
        self.shard_info.labels(str(placement.shard), str(placement.shards), replica).set(1)

    def _probe_instruments(self, r: CollectorRegistry) -> None:
        self.probes = Counter(
            f"{NS}_probes", "Requests to /probe by outcome: success, failed (fetched or read"
            " nothing), bad_request (a 400), denied (a target not allowed, a 403), saturated"
            " (probe.max_concurrent probes already running, a 503), cancelled (the client"
            " left before the answer).",
            ["outcome"], registry=r,
        )  # fmt: skip
        self.probe_failures = Counter(
            f"{NS}_probe_failures", f"Failed probes by reason: {REASONS}.", ["reason"], registry=r
        )
        for outcome in PROBE_OUTCOMES:
            self.probes.labels(outcome)
        for reason in POLL_FAILURES:
            self.probe_failures.labels(reason)

    def probed(self, outcome: str, reason: str | None = None) -> None:
        """Count one /probe request (outcome from PROBE_OUTCOMES; reason when failed)."""
        self.probes.labels(outcome).inc()
        if reason is not None:
            self.probe_failures.labels(reason).inc()

    def _notification_instruments(self, r: CollectorRegistry) -> None:
        receiver = "Per receiver (webhook name or alertmanager:host:port)"
        self.notifications = Counter(
            f"{NS}_notifications", f"Notifications delivered (a 2xx answer). {receiver}.",
            ["receiver"], registry=r,
        )  # fmt: skip
        self.notification_failures = Counter(
            f"{NS}_notification_failures",
            f"Failed delivery attempts (each retry counts), by reason. {receiver}.",
            ["receiver", "reason"], registry=r,
        )  # fmt: skip
        self.notifications_dropped = Counter(
            f"{NS}_notifications_dropped",
            "Notifications given up on: rejected by the receiver, expired, or queued for a"
            f" webhook no longer configured (receiver_removed). {receiver}.",
            ["receiver", "reason"], registry=r,
        )  # fmt: skip
        self.notification_queue = Gauge(
            f"{NS}_notification_queue_length",
            "Notifications not yet delivered: a webhook's outbox rows, or the alerts of an"
            f" Alertmanager's last send if it failed. {receiver}.",
            ["receiver"], registry=r,
        )  # fmt: skip
        self.notifiers_up = Gauge(
            f"{NS}_notifier_up",
            "1 while the receiver's worker runs, its last round did not crash, and it can"
            f" make a request at all (a proxy and URL httpx can use). {receiver}.",
            ["receiver"], registry=r,
        )  # fmt: skip
        self.notifier_errors = Counter(
            f"{NS}_notifier_errors",
            f"Rounds of a receiver's worker that crashed (e.g. a database error). {receiver}.",
            ["receiver"], registry=r,
        )  # fmt: skip

    def http_closed(self, reason: str) -> None:
        self.http_connections_closed.labels(reason).inc()

    def keep_receivers(self, names: Iterable[str]) -> None:
        """Start the notification series of `names` (counters at 0, so increase() sees
        the first event) and drop the gauges of receivers no longer configured."""
        wanted = set(names)
        for gone in self._receivers - wanted:
            self.notification_queue.remove(gone)
            self.notifiers_up.remove(gone)
        self._receivers = wanted
        for name in wanted:
            self.notifications.labels(name)
            self.notifier_errors.labels(name)
            self.notification_queue.labels(name)
            self.notifiers_up.labels(name)
            for reason in FAILURE_REASONS:
                self.notification_failures.labels(name, reason)
            for dropped in DROP_REASONS:
                self.notifications_dropped.labels(name, dropped)

    # Events (tickerwatch.notify.base): what the notifiers report.

    def delivered(self, receiver: str) -> None:
        self.notifications.labels(receiver).inc()

    def delivery_failed(self, receiver: str, reason: FailureReason, detail: str = "") -> None:
        self.notification_failures.labels(receiver, reason).inc()

    def dropped(self, receiver: str, reason: DropReason) -> None:
        self.notifications_dropped.labels(receiver, reason).inc()

    def queue_length(self, receiver: str, length: int) -> None:
        self.notification_queue.labels(receiver).set(length)

    def notifier_up(self, receiver: str, up: bool) -> None:
        self.notifiers_up.labels(receiver).set(1 if up else 0)

    def notifier_crashed(self, receiver: str, error: str = "") -> None:
        self.notifier_errors.labels(receiver).inc()

    def cannot_send(self, receiver: str, problem: str) -> None:
        """Shown by notifier_up (0 meanwhile): nothing more to count."""

    def polled(self, state: SourceState) -> None:
        """A source was just polled: render its families now rather than at the next scrape."""
        self._exposition.refresh(state, self._clock())

    def render(self, accept: str = "") -> tuple[bytes, str]:
        """The exposition in the format the Accept header asks for, and its Content-Type
        (prometheus_client's negotiation: OpenMetrics when asked, else text 0.0.4)."""
        encoder, content_type = text_format.choose_encoder(accept)
        openmetrics = content_type.startswith("application/openmetrics-text")
        states = list(self._states())
        ours = self._exposition.render(states, self._alerts(), self._clock(), openmetrics)
        return ours.encode() + encoder(self.registry), content_type


class _StorageCollector:
    """tickerwatch_storage_faults_total{kind} and tickerwatch_storage_healthy, read from
    the service's StorageHealth at scrape time."""

    def __init__(self, health: StorageHealth, clock: Callable[[], float]) -> None:
        self.health = health
        self.clock = clock

    def collect(self) -> Iterable[Metric]:
        faults = CounterMetricFamily(
            f"{NS}_storage_faults",
            "History database faults while running: write_failed (a write refused, e.g. a"
            " full disk; polls are served from memory), file_missing (the file or its -wal"
            " deleted or replaced while open; rewritten from the open connection).",
            labels=["kind"],
        )
        for kind in STORAGE_FAULTS:
            faults.add_metric([kind], self.health.faults[kind])
        yield faults
        yield GaugeMetricFamily(
            f"{NS}_storage_healthy",
            "0 while history writes fail or for 10 minutes after a storage fault, else 1.",
            value=0.0 if self.health.degraded(self.clock()) else 1.0,
        )
