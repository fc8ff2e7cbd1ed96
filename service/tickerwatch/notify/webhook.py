"""Deliver one receiver's share of the durable outbox, in order, at least once
(`OutboxNotifier`); a webhook POSTs each one (`WebhookNotifier`).

Each request carries an Idempotency-Key header that is the same on every resend, so a
receiver can drop repeats: a kill between a POST and its outbox record sends it again.
Retries back off up to `max_backoff` until `max_age`; a rejection (a 4xx other than 408
and 429) drops that one notification and the next goes out. URLs (which may hold tokens)
are never logged."""

from __future__ import annotations

import asyncio
import contextlib
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import structlog

from tickerwatch.core.errors import StoreError
from tickerwatch.core.settings import Webhook
from tickerwatch.notify.base import (
    CrashBackoff,
    DropReason,
    Events,
    Outcome,
    SupervisedNotifier,
    retry_delay,
)
from tickerwatch.notify.http import ClientSource, cannot_post, post
from tickerwatch.store.sqlite import OutboxItem, Store

log = structlog.get_logger("tickerwatch.notify")

IDLE_WAKEUP: Final = 5.0  # look at the outbox this often without a wake (max_age expiry)


@dataclass(frozen=True, slots=True)
class Delivery:
    """How long an outbox receiver keeps trying (seconds): each notification until
    `max_age`, backing off up to `max_backoff` between attempts."""

    max_age: float
    max_backoff: float


class OutboxNotifier(SupervisedNotifier):
    """A receiver delivered from the durable outbox; `send` makes one attempt."""

    def __init__(
        self,
        name: str,
        delivery: Delivery,
        store: Store,
        events: Events,
        clock: Callable[[], float],
        crash_backoff: CrashBackoff | None = None,
    ) -> None:
        super().__init__(name, events, crash_backoff or CrashBackoff())
        self.delivery = delivery
        self.store = store
        self.clock = clock
        self._counting: asyncio.Task[None] | None = None

    @abstractmethod
    async def send(self, item: OutboxItem) -> Outcome:
        """One attempt to deliver `item`; never raises for what the receiver does."""

    def wake(self) -> None:
        """New notifications were queued: look for work. If the loop is busy (a receiver
        taking its time), count the queue now: a slow receiver must not hide a growing one."""
        super().wake()
        if self.busy and (self._counting is None or self._counting.done()):
            self._counting = asyncio.get_running_loop().create_task(self._count())

    def stopped(self) -> None:
        if self._counting is not None:
            self._counting.cancel()  # it must not report for a receiver that is gone

    async def _count(self) -> None:
        with contextlib.suppress(StoreError):  # the loop meets it too, and reports it
            self.events.queue_length(self.name, await self.store.outbox_length(self.name))

    async def step(self) -> float:
        wait = await self._deliver_due()
        self.events.queue_length(self.name, await self.store.outbox_length(self.name))
        return wait

    async def _deliver_due(self) -> float:
        """Deliver this receiver's due notifications, oldest first; return seconds until
        the next retry is due."""
        while (item := await self.store.next_outbox(self.name)) is not None:
            now = self.clock()
            if now - item.created > self.delivery.max_age:
                await self._drop(item, "expired", f"max_age passed after {item.attempts} tries")
                continue
            if item.due > now:
                return item.due - now
            outcome = await self.send(item)
            if outcome.delivered:
                await self.store.outbox_done(item.id, self.clock())
                self.events.delivered(self.name)
                log.info(
                    "notification_sent",
                    receiver=self.name,
                    key=item.key,
                    attempts=item.attempts + 1,
                )
                continue
            assert outcome.failure is not None
            self.events.delivery_failed(self.name, outcome.failure, outcome.detail)
            if outcome.permanent:
                await self._drop(item, "rejected", outcome.detail, outcome)
                continue
            return await self._retry_later(item, outcome, now)
        return IDLE_WAKEUP

    async def _retry_later(self, item: OutboxItem, outcome: Outcome, now: float) -> float:
        delay = retry_delay(item.attempts + 1, self.delivery.max_backoff, outcome.retry_after)
        await self.store.outbox_retry(item.id, now + delay, outcome.detail)
        log.warning(
            "notification_failed",
            receiver=self.name,
            key=item.key,
            reason=outcome.failure,
            error=outcome.detail,
            attempts=item.attempts + 1,
            retry_in=round(delay, 2),
        )
        return delay

    async def _drop(
        self, item: OutboxItem, reason: DropReason, error: str, outcome: Outcome | None = None
    ) -> None:
        """Give up on one notification: recorded as dropped, counted, logged once."""
        await self.store.outbox_done(item.id, self.clock(), dropped=True, error=error)
        self.events.dropped(self.name, reason)
        log.error(
            f"notification_{reason}",
            receiver=self.name,
            key=item.key,
            error=error,
            status=outcome.status if outcome is not None else None,
            attempts=item.attempts + 1 if outcome is not None else item.attempts,
        )


class WebhookNotifier(OutboxNotifier):
    """POSTs each notification to the webhook's URL with its Idempotency-Key."""

    def __init__(
        self,
        hook: Webhook,
        store: Store,
        client: ClientSource,
        events: Events,
        clock: Callable[[], float],
        crash_backoff: CrashBackoff | None = None,
    ) -> None:
        delivery = Delivery(hook.max_age, hook.max_backoff)
        super().__init__(hook.name, delivery, store, events, clock, crash_backoff)
        self.hook = hook
        self.client = client

    def problem(self) -> str | None:
        return cannot_post(self.client, self.hook.url)

    async def send(self, item: OutboxItem) -> Outcome:
        return await post(
            self.client,
            self.hook.url,
            item.payload.encode(),
            {"Idempotency-Key": item.key},
            self.hook.timeout,
        )
