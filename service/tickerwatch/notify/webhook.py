"""Deliver the webhook outbox: per receiver in order, at least once, retried with backoff
until `max_age`. Each request carries an Idempotency-Key header so receivers can drop
repeats. URLs (which may hold tokens) are never logged."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable

import httpx
import structlog

from tickerwatch.config import WebhookConfig
from tickerwatch.metrics import Metrics
from tickerwatch.store import OutboxItem, Store

log = structlog.get_logger("tickerwatch.notify")

IDLE_WAKEUP = 5.0


class WebhookDelivery:
    def __init__(
        self,
        hooks: tuple[WebhookConfig, ...],
        store: Store,
        client: httpx.AsyncClient,
        metrics: Metrics,
        clock: Callable[[], float],
    ) -> None:
        self.hooks = hooks
        self.store = store
        self.client = client
        self.metrics = metrics
        self.clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            wait = await self.deliver_ready()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):  # not wait_for: it can swallow a cancel
                async with asyncio.timeout(min(wait, IDLE_WAKEUP)):
                    await self._wake.wait()

    async def deliver_ready(self) -> float:
        """Deliver what is due; return seconds until the next retry is due."""
        wait = IDLE_WAKEUP
        for hook in self.hooks:
            wait = min(wait, await self._deliver(hook))
        self.metrics.queue_length.set(await self.store.outbox_length())
        return max(0.05, wait)

    async def _deliver(self, hook: WebhookConfig) -> float:
        while (item := await self.store.next_outbox(hook.name)) is not None:
            now = self.clock()
            if now - item.created > hook.max_age:
                await self._drop(hook, item, now)
                continue
            if item.due > now:
                return item.due - now
            error = await self._post(hook, item)
            if error is None:
                await self.store.outbox_done(item.id, self.clock())
                self.metrics.notifications.labels(hook.name).inc()
                log.info(
                    "notification_sent",
                    receiver=hook.name,
                    key=item.key,
                    attempts=item.attempts + 1,
                )
                continue
            self.metrics.notification_failures.labels(hook.name).inc()
            backoff = min(hook.max_backoff, 2.0**item.attempts) * random.uniform(0.5, 1.0)
            await self.store.outbox_retry(item.id, now + backoff, error)
            log.warning(
                "notification_failed",
                receiver=hook.name,
                key=item.key,
                error=error,
                attempts=item.attempts + 1,
                retry_in=round(backoff, 2),
            )
            return backoff
        return IDLE_WAKEUP

    async def _drop(self, hook: WebhookConfig, item: OutboxItem, now: float) -> None:
        await self.store.outbox_done(item.id, now, dropped=True, error="expired: max_age passed")
        self.metrics.notification_failures.labels(hook.name).inc()
        log.error("notification_expired", receiver=hook.name, key=item.key, attempts=item.attempts)

    async def _post(self, hook: WebhookConfig, item: OutboxItem) -> str | None:
        headers = {"Content-Type": "application/json", "Idempotency-Key": item.key}
        try:
            response = await self.client.post(
                hook.url, content=item.payload.encode(), headers=headers, timeout=hook.timeout
            )
        except httpx.HTTPError as exc:
            return type(exc).__name__  # str(exc) may quote the URL and its token
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"
