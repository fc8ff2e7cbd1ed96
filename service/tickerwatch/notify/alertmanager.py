"""Send the current alerts to one Alertmanager (API v2), on each transition and every
`resend_interval`: firing alerts with endsAt ahead, resolved ones with their resolve time.
Labels carry no values or times, so replicas' alerts de-duplicate in an Alertmanager.

Each Alertmanager URL has its own notifier: a slow or black-holed one delays no other.
A failed send is retried with backoff (1, 2, 4 … s, at most `resend_interval`); a
rejection (a 4xx other than 408 and 429) waits for the next regular resend. Its queue
length is the number of alerts its last send carried if that send failed, else 0."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

import structlog

from tickerwatch.core.alerts import AlertState
from tickerwatch.core.settings import Alertmanager
from tickerwatch.notify.base import CrashBackoff, Events, SupervisedNotifier, retry_delay
from tickerwatch.notify.http import ClientSource, cannot_post, post
from tickerwatch.notify.payloads import alertmanager_alerts

log = structlog.get_logger("tickerwatch.notify")


def receiver_name(url: str) -> str:
    """`alertmanager:host:port`, without any credentials the URL may hold."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"alertmanager:{parts.hostname}{port}"


class AlertmanagerNotifier(SupervisedNotifier):
    def __init__(
        self,
        url: str,
        cfg: Alertmanager,
        client: ClientSource,
        events: Events,
        clock: Callable[[], float],
        external_url: str,
        alerts: Callable[[], list[AlertState]],
        crash_backoff: CrashBackoff | None = None,
    ) -> None:
        super().__init__(receiver_name(url), events, crash_backoff or CrashBackoff())
        self.endpoint = url.rstrip("/") + "/api/v2/alerts"
        self.cfg = cfg
        self.client = client
        self.clock = clock
        self.external_url = external_url
        self.alerts = alerts
        self._failures = 0

    def problem(self) -> str | None:
        return cannot_post(self.client, self.endpoint)

    async def step(self) -> float:
        interval = self.cfg.resend_interval
        body = alertmanager_alerts(self.alerts(), self.clock(), interval, self.external_url)
        if not body:
            self._failures = 0
            self.events.queue_length(self.name, 0)
            return interval
        outcome = await post(
            self.client, self.endpoint, json.dumps(body).encode(), {}, self.cfg.timeout
        )
        if outcome.delivered:
            self._failures = 0
            self.events.delivered(self.name)
            self.events.queue_length(self.name, 0)
            log.debug("alertmanager_sent", receiver=self.name, alerts=len(body))
            return interval
        assert outcome.failure is not None
        self.events.delivery_failed(self.name, outcome.failure, outcome.detail)
        self.events.queue_length(self.name, len(body))
        fields = {"receiver": self.name, "alerts": len(body), "error": outcome.detail}
        if outcome.permanent:
            self._failures = 0
            self.events.dropped(self.name, "rejected")
            log.error("notification_rejected", status=outcome.status, **fields)
            return interval
        self._failures += 1
        delay = retry_delay(self._failures, interval, outcome.retry_after)
        log.warning(
            "notification_failed",
            reason=outcome.failure,
            attempts=self._failures,
            retry_in=round(delay, 2),
            **fields,
        )
        return delay
