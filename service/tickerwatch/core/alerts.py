"""Alert rules × snapshot × now → alert states and transitions. Pure: no IO, no clock.

Rounding-aware: a source prints a fixed number of decimals, so a printed 0.00008 stands for
any true value in [0.000075, 0.000085). Under `rounding: strict` (the default) a `rate`,
`change` or `source_change` condition holds only when it holds for every true value
consistent with the printed ones; `rounding: ignore` compares the printed numbers.

States follow Prometheus: inactive → pending → firing (after `for`) → resolved (after the
condition has been false for `keep_firing_for`). A resolved alert is re-sent to
Alertmanager for RESOLVED_RESEND and shown on the landing page for RESOLVED_RETENTION,
then forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from tickerwatch.core.conditions import change_active, percent, rate_active, source_change_active
from tickerwatch.core.model import Pair
from tickerwatch.core.settings import (
    AlertRule,
    ChangeCondition,
    ConflictCondition,
    DeviationCondition,
    MissingCondition,
    RateCondition,
    SourceChangeCondition,
    SourceDownCondition,
    StaleCondition,
)
from tickerwatch.core.snapshot import SourceState
from tickerwatch.core.thresholds import threshold_text
from tickerwatch.core.units import format_duration

RESOLVED_RESEND = 15 * 60.0  # seconds a resolved alert is still sent to Alertmanager
RESOLVED_RETENTION = 24 * 3600.0  # seconds it is kept (the landing page lists it)
StateName = Literal["pending", "firing", "resolved"]


@dataclass(frozen=True, slots=True, order=True)
class AlertKey:
    alertname: str
    source: str
    base: str = ""
    quote: str = ""

    @property
    def id(self) -> str:
        return "|".join((self.alertname, self.source, self.base, self.quote))

    @property
    def pair(self) -> str:
        return f"{self.base}/{self.quote}" if self.base else ""


@dataclass(frozen=True, slots=True)
class Observation:
    """One rule applied to one series at one moment."""

    key: AlertKey
    active: bool
    value: str
    threshold: str


@dataclass(frozen=True, slots=True)
class AlertState:
    key: AlertKey
    state: StateName
    active_since: float
    last_active: float
    fired_at: float | None = None
    resolved_at: float | None = None
    value: str = ""
    threshold: str = ""
    severity: str = "warning"
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    episode: int = 1  # counts the times it became active while remembered (idempotency keys)

    @property
    def started(self) -> float:
        """When the alert started, as notifications say it: when it fired, or, while it is
        pending, when its condition first held."""
        return self.fired_at if self.fired_at is not None else self.active_since


@dataclass(frozen=True, slots=True)
class Transition:
    """firing or resolved: what notifications announce."""

    status: Literal["firing", "resolved"]
    alert: AlertState


# ---------------------------------------------------------------- observations


def observe(
    rules: Iterable[AlertRule], states: Iterable[SourceState], now: float
) -> list[Observation]:
    """Every (rule, series) the rules select, with whether its condition holds now."""
    states = list(states)
    return [obs for rule in rules for obs in observe_rule(rule, states, now)]


def observe_rule(
    rule: AlertRule,
    states: list[SourceState],
    now: float,
    everyone: Mapping[str, SourceState] | None = None,
) -> Iterator[Observation]:
    """`rule` over the sources of `states` (those it selects); a deviation's references
    are looked up in `everyone` (default: `states`)."""
    by_name = everyone if everyone is not None else {s.source.name: s for s in states}
    for state in states:
        name = state.source.name
        if rule.sources and name not in rule.sources:
            continue
        if isinstance(rule.condition, SourceDownCondition):
            down = state.polls > 0 and not state.up
            yield Observation(AlertKey(rule.name, name), down, state.last_reason or "", "down")
            continue
        if isinstance(rule.condition, DeviationCondition):
            yield from _deviation_observations(rule, rule.condition, state, by_name, now)
            continue
        for pair in _pairs(rule, state):
            key = AlertKey(rule.name, name, pair.base, pair.quote)
            yield _pair_observation(rule, state, pair, key, now)


def _deviation_observations(
    rule: AlertRule,
    cond: DeviationCondition,
    state: SourceState,
    by_name: Mapping[str, SourceState],
    now: float,
) -> Iterator[Observation]:
    """Per pair, the reference it is furthest off, by the least deviation the printed
    numbers allow (a deviation is always judged with rounding: the config refuses
    `rounding: ignore` on it, as its metric is 0 within rounding)."""
    found = state.deviations(by_name, now, cond.references)
    for pair in _pairs(rule, state):
        mine = [d for d in found if d.pair == pair]
        worst = max(mine, key=lambda d: d.least, default=None)
        active = worst is not None and worst.least > float(cond.above)
        value = "" if worst is None else f"{percent(worst.ratio)} vs {worst.reference}"
        key = AlertKey(rule.name, state.source.name, pair.base, pair.quote)
        yield Observation(key, active, value, threshold_text(cond))


def _pairs(rule: AlertRule, state: SourceState) -> list[Pair]:
    seen = list(state.rates)
    if isinstance(rule.condition, MissingCondition):
        seen = list(dict.fromkeys([*state.source.pairs, *seen]))
    return [p for p in seen if not rule.pairs or p in rule.pairs]


def _pair_observation(
    rule: AlertRule, state: SourceState, pair: Pair, key: AlertKey, now: float
) -> Observation:
    cond = rule.condition
    if isinstance(cond, MissingCondition):
        active = state.last_result is not None and state.last_result.rate_for(pair) is None
        return Observation(key, active, "absent" if active else "present", "expected")
    if isinstance(cond, ConflictCondition):
        active = any(c.pair == pair for c in state.conflicts)
        return Observation(key, active, "conflict" if active else "", "copies agree")
    r = state.rates[pair]  # _pairs offers only pairs with a rate, but for `missing`
    match cond:
        case StaleCondition(after=after):
            age = now - r.updated_at
            return Observation(key, age > after, format_duration(age), threshold_text(cond))
        case RateCondition():
            active, value = rate_active(cond, r, rule.strict)
        case ChangeCondition():
            active, value = change_active(cond, r, rule.strict)
        case SourceChangeCondition():
            active, value = source_change_active(cond, r, rule.strict)
        case _:  # source_down, conflict, missing and deviation are observed above
            raise AssertionError(f"unhandled condition {cond!r}")
    return Observation(key, active, value, threshold_text(cond))


def windows_needed(rules: Iterable[AlertRule]) -> dict[str, float]:
    """Windows that change rules compare against, to be looked up in history."""
    return {
        r.condition.window: r.condition.seconds
        for r in rules
        if isinstance(r.condition, ChangeCondition)
    }


# ---------------------------------------------------------------- state machine


def step(
    rules: Iterable[AlertRule],
    observations: Iterable[Observation],
    previous: dict[AlertKey, AlertState],
    now: float,
) -> tuple[dict[AlertKey, AlertState], list[Transition]]:
    """Advance every alert one evaluation; series no longer observed count as inactive."""
    by_name = {rule.name: rule for rule in rules}
    seen = {obs.key: obs for obs in observations if obs.key.alertname in by_name}
    current: dict[AlertKey, AlertState] = {}
    transitions: list[Transition] = []
    for key in sorted(set(seen) | set(previous), key=_order):
        rule = by_name.get(key.alertname)
        obs = seen.get(key)
        before = previous.get(key)
        if before is not None and max(before.active_since, before.last_active) > now:
            # made before the wall clock went back: `for` and `keep_firing_for` count from now
            before = replace(before, active_since=min(before.active_since, now),
                             last_active=min(before.last_active, now))  # fmt: skip
        if rule is None:  # the rule was removed: resolve what fired, forget the rest
            after, transition = _removed(before, now)
        else:
            after, transition = _advance(rule, before, obs, now)
        if after is not None:
            current[key] = after
        if transition is not None:
            transitions.append(transition)
    return current, transitions


def _order(key: AlertKey) -> tuple[str, str, str, str]:
    return key.alertname, key.source, key.base, key.quote


def _resolved(before: AlertState, obs: Observation | None, now: float) -> AlertState:
    """Resolved now: the annotations keep the value it fired at (`value_fired`) and say
    the value now (`value`, and `resolved`: "back to -0.8%")."""
    notes = dict(before.annotations)
    if obs is not None and obs.value:
        notes.update(value=obs.value, resolved=f"back to {obs.value}")
    else:
        notes["resolved"] = "no longer seen"
    notes.setdefault("value_fired", before.value)
    return replace(before, state="resolved", resolved_at=now, annotations=notes)


def _removed(before: AlertState | None, now: float) -> tuple[AlertState | None, Transition | None]:
    """A removed rule's alert: a firing one resolves now, a pending one is dropped, a
    resolved one is kept as a kept rule's is, until RESOLVED_RETENTION has passed."""
    if before is None or before.state != "firing":
        if before is None or before.state != "resolved":
            return None, None
        assert before.resolved_at is not None
        return (None if now - before.resolved_at > RESOLVED_RETENTION else before), None
    resolved = _resolved(before, None, now)
    return resolved, Transition("resolved", resolved)


def _advance(
    rule: AlertRule, before: AlertState | None, obs: Observation | None, now: float
) -> tuple[AlertState | None, Transition | None]:
    active = obs is not None and obs.active
    if active:
        assert obs is not None
        return _active(rule, before, obs, now)
    if before is None:
        return None, None
    if before.state == "pending":
        return None, None
    if before.state == "firing":
        if now - before.last_active < rule.keep_firing_for:
            return before, None
        resolved = _resolved(before, obs, now)
        return resolved, Transition("resolved", resolved)
    assert before.resolved_at is not None
    if now - before.resolved_at > RESOLVED_RETENTION:
        return None, None
    return before, None


def _active(
    rule: AlertRule, before: AlertState | None, obs: Observation, now: float
) -> tuple[AlertState, Transition | None]:
    if before is None or before.state == "resolved":
        episode = 1 if before is None else before.episode + 1
        before = AlertState(obs.key, "pending", active_since=now, last_active=now, episode=episode)
    labels, annotations = render(rule, obs)
    updated = replace(
        before,
        last_active=now,
        value=obs.value,
        threshold=obs.threshold,
        severity=rule.severity,
        labels=labels,
        annotations=annotations,
    )
    if updated.state == "pending" and now - updated.active_since >= rule.for_:
        fired = replace(
            updated, state="firing", fired_at=now,
            annotations={**updated.annotations, "value_fired": obs.value},
        )  # fmt: skip
        return fired, Transition("firing", fired)
    if updated.state == "firing":  # the value it fired at stays
        fired_at = before.annotations.get("value_fired", obs.value)
        updated = replace(updated, annotations={**annotations, "value_fired": fired_at})
    return updated, None


def render(rule: AlertRule, obs: Observation) -> tuple[dict[str, str], dict[str, str]]:
    """Labels (identical on every replica: no values, no times) and annotations."""
    key = obs.key
    labels = {"alertname": key.alertname, "severity": rule.severity, "source": key.source}
    if key.base:
        labels.update(base=key.base, quote=key.quote, pair=key.pair)
    labels.update(rule.labels)
    fields = {
        "alertname": key.alertname, "source": key.source, "pair": key.pair, "base": key.base,
        "quote": key.quote, "value": obs.value, "threshold": obs.threshold,
        "window": rule.window, "severity": rule.severity,
        "for": format_duration(rule.for_),
    }  # fmt: skip
    annotations = {"summary": rule.summary_template.format_map(fields)}
    if rule.description:
        annotations["description"] = rule.description.format_map(fields)
    annotations.update(value=obs.value, threshold=obs.threshold)
    return labels, annotations
