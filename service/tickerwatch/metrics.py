"""/metrics: the per-source families from the snapshot (exposition.py, cached per source)
and the service-wide instruments of prometheus_client (notifications, config, build)."""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client import exposition as text_format

from tickerwatch import __version__
from tickerwatch.alerts import AlertState
from tickerwatch.exposition import NS, Exposition
from tickerwatch.state import SourceState


class Metrics:
    def __init__(
        self,
        states: Callable[[], Iterable[SourceState]],
        clock: Callable[[], float],
        alerts: Callable[[], Iterable[AlertState]] = list,
    ) -> None:
        self._states = states
        self._alerts = alerts
        self._clock = clock
        self._exposition = Exposition()
        self.registry = r = CollectorRegistry(auto_describe=False)
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

    def add_receiver(self, name: str) -> None:
        """Initialise a receiver's label sets to 0 so increase() sees the first one."""
        self.notifications.labels(name)
        self.notification_failures.labels(name)

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
