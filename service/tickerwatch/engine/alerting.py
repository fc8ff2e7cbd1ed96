"""Runs the pure alert evaluation against the live snapshot, persists states and queues
notifications in one transaction, and wakes the senders."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

import structlog

from tickerwatch.core.alerts import AlertKey, AlertState, Transition, observe, step
from tickerwatch.core.settings import AlertRule, Notify
from tickerwatch.core.snapshot import SourceState
from tickerwatch.notify.build import outbox_rows
from tickerwatch.notify.payloads import idempotency_key
from tickerwatch.store.sqlite import OutboxItem, Store

log = structlog.get_logger("tickerwatch.alerts")


class Alerting:
    def __init__(
        self,
        rules: tuple[AlertRule, ...],
        notify: Notify,
        store: Store,
        clock: Callable[[], float],
        external_url: str,
    ) -> None:
        self.rules = rules
        self.notify = notify
        self.store = store
        self.clock = clock
        self.external_url = external_url
        self.states: dict[AlertKey, AlertState] = {}
        self.listeners: list[Callable[[], None]] = []
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Restore states saved before a restart: firing stays firing, `for` timers resume."""
        self.states = {}
        for _, _, body in await self.store.load_alerts():
            state = decode(body)
            self.states[state.key] = state

    def active(self) -> list[AlertState]:
        return [a for a in self.states.values() if a.state in ("pending", "firing")]

    def resolved(self) -> list[AlertState]:
        """Alerts resolved in the last RESOLVED_RETENTION (24 h), newest first."""
        done = [a for a in self.states.values() if a.state == "resolved"]
        return sorted(done, key=lambda a: a.resolved_at or 0.0, reverse=True)

    async def evaluate(self, sources: Iterable[SourceState]) -> list[Transition]:
        async with self._lock:
            sources = list(sources)
            now = self.clock()
            settled = [s for s in sources if s.polls > 0]
            held = {s.source.name for s in sources if s.polls == 0}
            observations = observe(self.rules, settled, now)
            keep = {k: v for k, v in self.states.items() if k.source in held}
            rest = {k: v for k, v in self.states.items() if k.source not in held}
            current, transitions = step(self.rules, observations, rest, now)
            current.update(keep)
            outbox = self._outbox(transitions, now)
            if current != self.states or outbox:
                encoded: dict[str, tuple[str, str]] = {
                    k.id: (v.state, encode(v)) for k, v in current.items()
                }
                await self.store.save_alerts(encoded, outbox)
            self.states = current
        for t in transitions:
            a = t.alert
            log.warning(
                "alert",
                status=t.status,
                alertname=a.key.alertname,
                source=a.key.source,
                pair=a.key.pair or None,
                value=a.value,
                threshold=a.threshold,
                severity=a.severity,
                key=idempotency_key(t),
            )
        if transitions:
            for wake in self.listeners:
                wake()
        return transitions

    def _outbox(self, transitions: list[Transition], now: float) -> list[OutboxItem]:
        return outbox_rows(self.notify, transitions, self.external_url, now)


def encode(state: AlertState) -> str:
    return json.dumps(asdict(state), sort_keys=True)


def decode(body: str) -> AlertState:
    data: dict[str, Any] = json.loads(body)
    data["key"] = AlertKey(**data["key"])
    return AlertState(**data)
