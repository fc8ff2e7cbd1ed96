"""Where notifications go: the receivers of `notify:` as frozen domain objects (part of
`tickerwatch.core.settings`, which re-exports them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook receiver; durations in seconds. `url` may hold a token: never shown."""

    name: str
    url: str
    send_resolved: bool
    max_age: float
    max_backoff: float
    timeout: float
    proxy_url: str | None = None


@dataclass(frozen=True, slots=True)
class AppriseReceiver:
    """A receiver whose notifications go through the Apprise library to every URL in
    `urls` (`tgram://…`, `mailto://…`, `json://…`; they hold tokens: never shown);
    durations in seconds."""

    name: str
    urls: tuple[str, ...]
    send_resolved: bool
    max_age: float
    max_backoff: float
    timeout: float


@dataclass(frozen=True, slots=True)
class Alertmanager:
    """The Alertmanagers alerts are sent to (each URL its own receiver)."""

    urls: tuple[str, ...]
    resend_interval: float
    timeout: float
    proxy_url: str | None = None


@dataclass(frozen=True, slots=True)
class Notify:
    """The receivers. `webhook_replica`: the one HA replica (`--replica`) that may send
    webhooks; the others refuse to start with webhooks configured (core.shard.place)."""

    alertmanager: Alertmanager | None = None
    webhooks: tuple[Webhook, ...] = ()
    apprise: tuple[AppriseReceiver, ...] = ()
    webhook_replica: str = "a"
