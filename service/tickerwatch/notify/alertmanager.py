"""Send the current alerts to every Alertmanager (API v2), on each transition and every
`resend_interval`: firing alerts with endsAt ahead, resolved ones with their resolve time.
Labels carry no values or times, so replicas' alerts de-duplicate in an Alertmanager."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import structlog

from tickerwatch.alerts import AlertState
from tickerwatch.config import AlertmanagerConfig
from tickerwatch.metrics import Metrics
from tickerwatch.notify.payloads import alertmanager_alerts

log = structlog.get_logger("tickerwatch.notify")


def receiver_name(url: str) -> str:
    """`alertmanager:host:port`, without any credentials the URL may hold."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"alertmanager:{parts.hostname}{port}"


class AlertmanagerSender:
    def __init__(
        self,
        cfg: AlertmanagerConfig,
        client: httpx.AsyncClient,
        metrics: Metrics,
        clock: Callable[[], float],
        external_url: str,
        alerts: Callable[[], list[AlertState]],
    ) -> None:
        self.cfg = cfg
        self.client = client
        self.metrics = metrics
        self.clock = clock
        self.external_url = external_url
        self.alerts = alerts
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self.send()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):  # not wait_for: it can swallow a cancel
                async with asyncio.timeout(self.cfg.resend_interval):
                    await self._wake.wait()

    async def send(self) -> None:
        body = alertmanager_alerts(
            self.alerts(), self.clock(), self.cfg.resend_interval, self.external_url
        )
        if not body:
            return
        data = json.dumps(body).encode()
        await asyncio.gather(*(self._post(url, data, len(body)) for url in self.cfg.urls))

    async def _post(self, url: str, data: bytes, count: int) -> None:
        name = receiver_name(url)
        try:
            response = await self.client.post(
                url.rstrip("/") + "/api/v2/alerts",
                content=data,
                headers={"Content-Type": "application/json"},
                timeout=self.cfg.timeout,
            )
            error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        if error is None:
            self.metrics.notifications.labels(name).inc()
            log.debug("alertmanager_sent", receiver=name, alerts=count)
        else:
            self.metrics.notification_failures.labels(name).inc()
            log.warning("alertmanager_failed", receiver=name, error=error, alerts=count)
