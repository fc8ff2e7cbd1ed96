"""One notifier per configured receiver: each webhook, and each Alertmanager URL."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from tickerwatch.core.alerts import AlertState
from tickerwatch.core.settings import Notify
from tickerwatch.fetch.client import Clients
from tickerwatch.notify.alertmanager import AlertmanagerNotifier
from tickerwatch.notify.base import Events, Notifier
from tickerwatch.notify.webhook import WebhookNotifier
from tickerwatch.store.sqlite import Store


def build_notifiers(
    notify: Notify,
    store: Store,
    clients: Clients,
    events: Events,
    clock: Callable[[], float],
    external_url: str,
    alerts: Callable[[], list[AlertState]],
) -> list[Notifier]:
    """Webhooks first, in config order, then Alertmanagers. Each posts through its
    `proxy_url`, or directly with the environment's proxies (HTTP_PROXY …); the client is
    asked for at each attempt, so a proxy httpx cannot use fails attempts, not this."""
    notifiers: list[Notifier] = [
        WebhookNotifier(hook, store, partial(clients.get, hook.proxy_url), events, clock)
        for hook in notify.webhooks
    ]
    am = notify.alertmanager
    if am is not None:
        client = partial(clients.get, am.proxy_url)
        notifiers += [
            AlertmanagerNotifier(url, am, client, events, clock, external_url, alerts)
            for url in am.urls
        ]
    return notifiers
