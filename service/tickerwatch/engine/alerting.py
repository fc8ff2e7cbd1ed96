"""Runs the pure alert evaluation against the live snapshot, persists what changed and
queues notifications in one transaction, and wakes the senders.

What is evaluated (core.alertscope): after a poll, the series that poll can change; on the
timer, the series the clock alone can change; everything after the rules changed (a
reload). What is written: only the alert rows whose persisted part (alertscope.durable)
changed, upserted or deleted, with the outbox rows; nothing when nothing changed."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any

import structlog

from tickerwatch.core.alerts import AlertKey, AlertState, Transition, step
from tickerwatch.core.alertscope import (
    Series,
    due,
    durable,
    everything,
    inputs,
    observe_scope,
    polled_scope,
    referrers,
    settled_scope,
    timed_series,
    timer_scope,
)
from tickerwatch.core.errors import StoreError
from tickerwatch.core.settings import AlertRule, Notify
from tickerwatch.core.snapshot import SourceState
from tickerwatch.notify.build import outbox_rows
from tickerwatch.notify.payloads import idempotency_key
from tickerwatch.store.sqlite import OutboxItem, Store

log = structlog.get_logger("tickerwatch.alerts")

Signature = tuple[Any, ...]
FULL_SLICE = 500  # series a full evaluation looks at between two turns of the event loop


class Alerting:
    def __init__(
        self,
        rules: tuple[AlertRule, ...],
        notify: Notify,
        store: Store,
        clock: Callable[[], float],
        external_url: str,
    ) -> None:
        self._rules = rules
        self._by_name = {r.name: r for r in rules}
        self.notify = notify
        self.store = store
        self.clock = clock
        self.external_url = external_url
        self.listeners: list[Callable[[], None]] = []
        # (trigger: "poll", "timer" or "all"; seconds) of each evaluation's own work
        self.timed: Callable[[str, float], None] | None = None
        self._lock = asyncio.Lock()
        self._states: dict[AlertKey, AlertState] = {}
        self._sorted = True
        self._series: dict[Series, dict[AlertKey, AlertState]] = {}
        self._saved: dict[AlertKey, Signature] = {}  # durable() of each row as written
        self._of_source: dict[str, set[str]] = {}  # source → rules with a state for it
        self._holding: set[AlertKey] = set()  # held its condition at its last evaluation
        self._timed: dict[str, set[Series]] = {}  # source → its series that move with time
        self._inputs: dict[str, tuple[Any, ...]] = {}  # source → inputs() last evaluated
        self._referring: dict[str, set[Series]] | None = None
        self._full_due = False

    @property
    def rules(self) -> tuple[AlertRule, ...]:
        return self._rules

    @rules.setter
    def rules(self, rules: tuple[AlertRule, ...]) -> None:
        """New rules (a reload): the next `tick` evaluates everything."""
        self._rules = rules
        self._by_name = {r.name: r for r in rules}
        self._referring = None
        self._timed = {}
        self._inputs = {}
        self._full_due = True

    @property
    def states(self) -> dict[AlertKey, AlertState]:
        """Every alert state, by key in order (read only)."""
        if not self._sorted:
            self._states = dict(sorted(self._states.items(), key=lambda kv: _order(kv[0])))
            self._sorted = True
        return self._states

    async def load(self) -> None:
        """Restore states saved before a restart: firing stays firing, `for` timers resume."""
        self._states, self._series, self._saved, self._of_source = {}, {}, {}, {}
        self._holding = set()
        for _, _, body in await self.store.load_alerts():
            state = decode(body)
            self._put(state)
            self._saved[state.key] = durable(state, math.inf)

    def active(self) -> list[AlertState]:
        return [a for a in self.states.values() if a.state in ("pending", "firing")]

    def resolved(self) -> list[AlertState]:
        """Alerts resolved in the last RESOLVED_RETENTION (24 h), newest first."""
        done = [a for a in self.states.values() if a.state == "resolved"]
        return sorted(done, key=lambda a: a.resolved_at or 0.0, reverse=True)

    async def polled(self, source: str, states: Mapping[str, SourceState]) -> list[Transition]:
        """After a poll of `source`: the rules that select it, and the deviations that use
        it as a reference; no other alert is looked at. When nothing a rule reads of the
        source changed since its last evaluation, only its alerts with a state."""
        started = time.thread_time()
        if self._referring is None:
            self._referring = referrers(self._rules, states)
        state = states.get(source)
        seen = None if state is None else inputs(state)
        with_state = self._of_source.get(source, set())
        if seen is not None and self._inputs.get(source) == seen:
            if source not in self._timed:
                self._timed[source] = timed_series(self._rules, source)
            timed = self._timed[source]
            scope = settled_scope(source, with_state, timed, self._referring)
        else:
            scope = polled_scope(self._rules, source, with_state, self._referring)
        spent = time.thread_time() - started
        transitions = await self._evaluate(scope, states, "poll", spent)
        if seen is not None:
            self._inputs[source] = seen
        return transitions

    async def tick(self, states: Mapping[str, SourceState]) -> list[Transition]:
        """On the timer: `for:`, `keep_firing_for`, stale, deviations, forgetting resolved
        alerts; everything when the rules changed since the last full evaluation."""
        if self._full_due:
            return await self.evaluate(states.values())
        started = time.thread_time()
        now, by_name, holding = self.clock(), self._by_name, self._holding
        keys = [
            k
            for k, a in self._states.items()
            if due(a, by_name.get(k.alertname), k in holding, now)
        ]
        scope = timer_scope(self._rules, states, keys, now)
        return await self._evaluate(scope, states, "timer", time.thread_time() - started)

    async def evaluate(self, sources: Iterable[SourceState]) -> list[Transition]:
        """Every rule over every source of `sources`; alerts of sources not among them are
        no longer observed (they resolve)."""
        started = time.thread_time()
        states = {s.source.name: s for s in sources}
        self._full_due = False
        scope = sorted(everything(self._rules, states, self._states), key=lambda s: s[1])
        spent = time.thread_time() - started
        transitions = []
        for i in range(0, len(scope), FULL_SLICE):  # the loop polls between slices
            part = set(scope[i : i + FULL_SLICE])
            transitions += await self._evaluate(part, states, "all", 0.0 if i else spent)
            await asyncio.sleep(0)
        return transitions

    async def flush(self) -> None:
        """Write the alerts whose body moved without a write (when their condition last
        held, their value now): at a clean stop, so a restart resumes from them."""
        async with self._lock:
            writes = self._changes(self._states, math.inf)
            try:
                await self.store.save_alerts(_rows(writes), [])
            except StoreError as exc:  # the next start resumes from the last writes
                log.error("alerts_not_saved", error=str(exc))
                return
            self._saved.update((k, sig) for k, (sig, _) in writes.items())

    async def _evaluate(
        self, scope: set[Series], states: Mapping[str, SourceState], trigger: str, spent: float
    ) -> list[Transition]:
        """Evaluate the series of `scope`; `spent`: CPU seconds choosing them (timed too)."""
        if not scope:  # no rule selects the source, nothing due: nothing to do or time
            return []
        async with self._lock:
            started = time.thread_time()
            now = self.clock()
            scope = {s for s in scope if _polled(states.get(s[1]))}  # restored only: kept
            before = {k: v for s in scope for k, v in self._series.get(s, {}).items()}
            names = {name for name, _ in scope}
            rules = [self._by_name[n] for n in names if n in self._by_name]
            observations = observe_scope(self._by_name, scope, states, now)
            current, transitions = step(rules, observations, before, now)
            outbox = self._outbox(transitions, now)
            writes = self._changes(current, now)
            gone = [k for k in before if k not in current and k in self._saved]
            if self.timed is not None:
                self.timed(trigger, spent + time.thread_time() - started)
            if writes or gone or outbox:
                await self.store.save_alerts(_rows(writes), outbox, [k.id for k in gone])
            self._replace(scope, before, current, now)
            for k in gone:
                del self._saved[k]
            self._saved.update((k, sig) for k, (sig, _) in writes.items())
        _announce(transitions)
        if transitions:
            for wake in self.listeners:
                wake()
        return transitions

    def _changes(
        self, current: Mapping[AlertKey, AlertState], now: float
    ) -> dict[AlertKey, tuple[Signature, AlertState]]:
        """The alerts whose persisted part differs from what was last written."""
        out = {}
        for key, alert in current.items():
            signature = durable(alert, now)
            if self._saved.get(key) != signature:
                out[key] = (signature, alert)
        return out

    def _replace(
        self,
        scope: set[Series],
        before: Mapping[AlertKey, AlertState],
        current: Mapping[AlertKey, AlertState],
        now: float,
    ) -> None:
        for series in scope:
            if self._series.pop(series, None) is not None:
                self._of_source[series[1]].discard(series[0])
        for key in before:
            if key not in current:
                del self._states[key]
                self._holding.discard(key)
        for alert in current.values():
            self._put(alert)
            if alert.last_active >= now:
                self._holding.add(alert.key)
            else:
                self._holding.discard(alert.key)

    def _put(self, alert: AlertState) -> None:
        key = alert.key
        if key not in self._states:
            self._sorted = False
        self._states[key] = alert
        self._series.setdefault((key.alertname, key.source), {})[key] = alert
        self._of_source.setdefault(key.source, set()).add(key.alertname)

    def _outbox(self, transitions: list[Transition], now: float) -> list[OutboxItem]:
        return outbox_rows(self.notify, transitions, self.external_url, now)


def _polled(state: SourceState | None) -> bool:
    """Not a source restored at start and not polled yet (its alerts are held as loaded);
    a source no longer configured is looked at: its alerts resolve."""
    return state is None or state.polls > 0


def _order(key: AlertKey) -> tuple[str, str, str, str]:
    return key.alertname, key.source, key.base, key.quote


def _rows(writes: Mapping[AlertKey, tuple[Signature, AlertState]]) -> dict[str, tuple[str, str]]:
    return {k.id: (alert.state, encode(alert)) for k, (_, alert) in writes.items()}


def _announce(transitions: list[Transition]) -> None:
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


def encode(state: AlertState) -> str:
    return json.dumps(asdict(state), sort_keys=True)


def decode(body: str) -> AlertState:
    data: dict[str, Any] = json.loads(body)
    data["key"] = AlertKey(**data["key"])
    return AlertState(**data)
