"""One notifier per configured receiver, from a registry keyed by the receiver's config type:
a new kind of notifier adds its config type (in `tickerwatch.core.settings`) and one
factory here; nothing else in tickerwatch names a notifier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from tickerwatch.core.alerts import AlertState
from tickerwatch.core.settings import Alertmanager, Notify, Webhook
from tickerwatch.notify.alertmanager import AlertmanagerNotifier
from tickerwatch.notify.base import Events, Notifier
from tickerwatch.notify.webhook import WebhookNotifier
from tickerwatch.store.sqlite import Store


@dataclass(frozen=True, slots=True)
class Wiring:
    """What notifiers are built with: the outbox, an HTTP client per proxy (`client(proxy)`,
    asked for at each attempt, so a proxy httpx cannot use fails attempts, not the build),
    where outcomes go, the clock, the URL alerts link back to, and the current alerts."""

    store: Store
    client: Callable[[str | None], httpx.AsyncClient]
    events: Events
    clock: Callable[[], float]
    external_url: str
    alerts: Callable[[], list[AlertState]]


def _webhook(hook: Webhook, w: Wiring) -> list[Notifier]:
    return [WebhookNotifier(hook, w.store, partial(w.client, hook.proxy_url), w.events, w.clock)]


def _alertmanager(am: Alertmanager, w: Wiring) -> list[Notifier]:
    client = partial(w.client, am.proxy_url)
    return [
        AlertmanagerNotifier(url, am, client, w.events, w.clock, w.external_url, w.alerts)
        for url in am.urls  # each Alertmanager its own receiver and queue
    ]


REGISTRY: dict[type, Callable[[Any, Wiring], list[Notifier]]] = {
    Webhook: _webhook,
    Alertmanager: _alertmanager,
}


def build_notifiers(notify: Notify, wiring: Wiring) -> list[Notifier]:
    """The notifiers of every receiver in `notify`: webhooks first, in config order, then
    Alertmanagers."""
    receivers: list[Any] = [*notify.webhooks]
    if notify.alertmanager is not None:
        receivers.append(notify.alertmanager)
    return [n for cfg in receivers for n in REGISTRY[type(cfg)](cfg, wiring)]
