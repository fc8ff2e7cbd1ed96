"""One notifier per configured receiver, from a registry keyed by the receiver's config type,
and the outbox rows of the receivers delivered from the durable outbox. The service calls
these and names no notifier; `receivers` is the one place that lists the kinds `Notify`
holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from tickerwatch.core.alerts import AlertState, Transition
from tickerwatch.core.settings import Alertmanager, AppriseReceiver, Notify, Webhook
from tickerwatch.notify.alertmanager import AlertmanagerNotifier
from tickerwatch.notify.base import Events, Notifier
from tickerwatch.notify.chat import AppriseNotifier, message
from tickerwatch.notify.payloads import idempotency_key, webhook_payload
from tickerwatch.notify.webhook import WebhookNotifier
from tickerwatch.store.sqlite import OutboxItem, Store


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


def _webhook_rows(
    hook: Webhook, transitions: list[Transition], external_url: str, now: float
) -> list[OutboxItem]:
    """One outbox row per transition the webhook wants (resolved ones if send_resolved)."""
    return [
        OutboxItem(
            hook.name,
            idempotency_key(t),
            json.dumps(webhook_payload(hook.name, t, external_url)),
            now,
        )
        for t in transitions
        if t.status == "firing" or hook.send_resolved
    ]


def _apprise(receiver: AppriseReceiver, w: Wiring) -> list[Notifier]:
    return [AppriseNotifier(receiver, w.store, w.events, w.clock)]


def _apprise_rows(
    receiver: AppriseReceiver, transitions: list[Transition], external_url: str, now: float
) -> list[OutboxItem]:
    """One outbox row per transition (resolved ones if send_resolved): the text people read."""
    return [
        OutboxItem(receiver.name, idempotency_key(t), json.dumps(message(t)), now)
        for t in transitions
        if t.status == "firing" or receiver.send_resolved
    ]


def _alertmanager(am: Alertmanager, w: Wiring) -> list[Notifier]:
    client = partial(w.client, am.proxy_url)
    return [
        AlertmanagerNotifier(url, am, client, w.events, w.clock, w.external_url, w.alerts)
        for url in am.urls  # each Alertmanager its own receiver and queue
    ]


Rows = Callable[[Any, list[Transition], str, float], list[OutboxItem]]


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of notifier: how to build its workers, and — for kinds delivered from the
    durable outbox — the rows a batch of transitions queues for one receiver."""

    build: Callable[[Any, Wiring], list[Notifier]]
    rows: Rows | None = None


REGISTRY: dict[type, Kind] = {
    Webhook: Kind(_webhook, _webhook_rows),
    AppriseReceiver: Kind(_apprise, _apprise_rows),
    Alertmanager: Kind(_alertmanager),  # re-sends the current alert states instead
}


def receivers(notify: Notify) -> list[Any]:
    """Every receiver's config: webhooks first, in config order, then Apprise receivers,
    then Alertmanagers."""
    found: list[Any] = [*notify.webhooks, *notify.apprise]
    if notify.alertmanager is not None:
        found.append(notify.alertmanager)
    return found


def build_notifiers(notify: Notify, wiring: Wiring) -> list[Notifier]:
    """The notifiers of every receiver in `notify`."""
    return [n for cfg in receivers(notify) for n in REGISTRY[type(cfg)].build(cfg, wiring)]


def outbox_rows(
    notify: Notify, transitions: list[Transition], external_url: str, now: float
) -> list[OutboxItem]:
    """The outbox rows `transitions` queue, for every receiver delivered from the outbox;
    the caller saves them in the same transaction as the alert states."""
    out = []
    for cfg in receivers(notify):
        rows = REGISTRY[type(cfg)].rows
        if rows is not None:
            out += rows(cfg, transitions, external_url, now)
    return out


def outbox_receivers(notify: Notify) -> list[str]:
    """The names whose queues live in the outbox (a queue of any other name is orphaned)."""
    return [cfg.name for cfg in receivers(notify) if REGISTRY[type(cfg)].rows is not None]
