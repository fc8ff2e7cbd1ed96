"""The running notifiers, one task each, and what happens to the queue of a webhook that is
no longer configured (renamed or removed): its notifications are dropped, counted and
logged, never left in the outbox where nothing would ever send them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

import structlog

from tickerwatch.notify.base import Events, Notifier
from tickerwatch.store.sqlite import Store

log = structlog.get_logger("tickerwatch.notify")


class Workers:
    """One task per notifier; `stop` cancels them all and waits at most `grace` seconds."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, notifiers: Iterable[Notifier]) -> None:
        for notifier in notifiers:
            task = asyncio.create_task(notifier.run(), name=f"notify {notifier.name}")
            task.add_done_callback(_ended)
            self._tasks.append(task)

    async def stop(self, grace: float) -> None:
        """Cancel the senders; the outbox is durable, so anything unsent waits for the next
        start. Bounded: shutdown and reload must not hang on a sender."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=grace)
            if stuck:
                log.warning("notifier_slow_to_stop", tasks=[t.get_name() for t in stuck])


def _ended(task: asyncio.Task[None]) -> None:
    """A notifier's loop only ends when cancelled; anything else is said loudly."""
    if not task.cancelled():
        log.error("notifier_stopped", task=task.get_name(), error=repr(task.exception()))


async def drop_unconfigured(
    store: Store, webhooks: Iterable[str], events: Events, clock: Callable[[], float]
) -> dict[str, int]:
    """Drop the queued notifications of every receiver not in `webhooks` (a webhook
    renamed or removed): marked dropped in the outbox, counted as dropped with reason
    `receiver_removed` under the old name, logged once per receiver with the count.
    Returns {receiver: dropped}. Raises StoreError (then nothing is marked)."""
    dropped = await store.outbox_drop_others(frozenset(webhooks), clock(), "receiver_removed")
    for receiver, count in dropped.items():
        for _ in range(count):
            events.dropped(receiver, "receiver_removed")
        log.error("notifications_receiver_removed", receiver=receiver, dropped=count)
    return dropped
