"""Which series an alert evaluation looks at, and which part of an alert's state is worth
persisting. Pure: no IO, no clock.

A series here is `(alertname, source)`: one rule applied to one source (all of its pairs).

- After a poll of source X (`polled_scope`): every rule that selects X, and every
  `deviation` rule's series of the sources that use X as a reference (the rule's own
  `references`, or else the observed source's). Nothing else can have changed.
  When the source's `inputs` are those of its last evaluation (the ticker did not move:
  most polls), only its series with a state (to keep `last_active`, run `for:`) and the
  deviations: a series without a state was inactive and still is.
- On the timer (`timer_scope`): the conditions whose truth moves with the clock alone
  (`stale` where a rate is older than its `after`; `deviation`: a reference goes stale),
  and the series whose alert state the clock may change (`due`: a `for:` or a
  `keep_firing_for` run out, a resolved alert to forget, a removed rule to resolve). A
  series without a state and with a condition that only a poll can change was found
  inactive by that poll and still is.
- `everything`: every series of every rule, and every series with a state (a reload, or a
  first evaluation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tickerwatch.core.alerts import (
    RESOLVED_RETENTION,
    AlertKey,
    AlertState,
    Observation,
    observe_rule,
)
from tickerwatch.core.settings import AlertRule, DeviationCondition, StaleCondition
from tickerwatch.core.snapshot import SourceState

Series = tuple[str, str]  # (alertname, source)
TIMED = (StaleCondition, DeviationCondition)  # conditions that change without a poll


def selects(rule: AlertRule, source: str) -> bool:
    return not rule.sources or source in rule.sources


def referrers(
    rules: Iterable[AlertRule], states: Mapping[str, SourceState]
) -> dict[str, set[Series]]:
    """For each source name, the `deviation` series that use it as a reference."""
    found: dict[str, set[Series]] = {}
    for rule in rules:
        cond = rule.condition
        if not isinstance(cond, DeviationCondition):
            continue
        for name, state in states.items():
            if selects(rule, name):
                for ref in cond.references or state.source.references:
                    found.setdefault(ref, set()).add((rule.name, name))
    return found


def polled_scope(
    rules: Iterable[AlertRule],
    source: str,
    with_state: Iterable[str],
    referring: Mapping[str, set[Series]],
) -> set[Series]:
    """The series a poll of `source` can change (`referring`: from `referrers`), and its
    series with a state (rule names `with_state`: a removed rule's alert resolves)."""
    scope = {(rule.name, source) for rule in rules if selects(rule, source)}
    return scope | {(name, source) for name in with_state} | referring.get(source, set())


def settled_scope(
    source: str,
    with_state: Iterable[str],
    timed: Iterable[Series],
    referring: Mapping[str, set[Series]],
) -> set[Series]:
    """A poll of `source` whose inputs did not change: its series with a state (rule
    names `with_state`), its own deviation series (`timed`, from `timed_series`) and the
    deviations that use it as a reference."""
    return {(name, source) for name in with_state} | set(timed) | referring.get(source, set())


def timed_series(rules: Iterable[AlertRule], source: str) -> set[Series]:
    """The `deviation` series of `source`: a poll that reprints the same rates makes them
    live again, which may start a deviation. (A `stale` series a poll refreshes can only
    stop holding: without a state it was inactive and stays so.)"""
    return {
        (r.name, source)
        for r in rules
        if isinstance(r.condition, DeviationCondition) and selects(r, source)
    }


def timer_scope(
    rules: Iterable[AlertRule],
    states: Mapping[str, SourceState],
    keys: Iterable[AlertKey],
    now: float,
) -> set[Series]:
    """The series the clock alone can change: those with a state, every deviation, and the
    stale rules over the sources with a rate older than the rule's `after`."""
    scope = {(k.alertname, k.source) for k in keys}
    oldest: dict[str, float] | None = None
    for rule in rules:
        cond = rule.condition
        if isinstance(cond, DeviationCondition):
            scope.update((rule.name, n) for n in states if selects(rule, n))
        elif isinstance(cond, StaleCondition):
            if oldest is None:
                oldest = {n: min(r.updated_at for r in s.rates.values())
                          for n, s in states.items() if s.rates}  # fmt: skip
            due = now - cond.after
            scope.update((rule.name, n) for n, t in oldest.items() if t < due and selects(rule, n))
    return scope


def inputs(state: SourceState) -> tuple[Any, ...]:
    """What a poll-driven condition (rate, change, source_change, missing, conflict,
    source_down) reads of a source: equal inputs, equal observations. Not the times
    (`stale`, `deviation` and `for:` are the timer's)."""
    rates = [
        (p, r.printed.value, r.printed.resolution, r.window_rates) for p, r in state.rates.items()
    ]
    return state.up, state.last_reason, state.last_result is None, rates, state.conflicts


def everything(
    rules: Iterable[AlertRule], sources: Iterable[str], keys: Iterable[AlertKey]
) -> set[Series]:
    names = list(sources)
    scope = {(k.alertname, k.source) for k in keys}
    for rule in rules:
        scope.update((rule.name, n) for n in names if selects(rule, n))
    return scope


def observe_scope(
    rules: Mapping[str, AlertRule],
    scope: set[Series],
    states: Mapping[str, SourceState],
    now: float,
) -> list[Observation]:
    """Every observation of the series in `scope` whose rule (`rules`: by name) and
    source (in `states`) exist."""
    wanted: dict[str, list[SourceState]] = {}
    for alertname, source in sorted(scope):
        state = states.get(source)
        if state is not None and alertname in rules:
            wanted.setdefault(alertname, []).append(state)
    return [
        obs
        for name, chosen in wanted.items()
        for obs in observe_rule(rules[name], chosen, now, states)
    ]


def due(alert: AlertState, rule: AlertRule | None, holds: bool, now: float) -> bool:
    """Whether the clock alone may change `alert` now, its rule's condition reading what it
    read at the last evaluation (`holds`: whether it held then): a `for:` run out, when the
    condition last held to move on (`keep_firing_for` counts from it), a `keep_firing_for`
    run out, a clock stepped back below its times, a resolved alert to forget; any alert of
    a removed rule or of a condition that moves with time."""
    if rule is None or isinstance(rule.condition, TIMED):
        return True
    if alert.state == "pending":
        return now - alert.active_since >= rule.for_ or alert.active_since > now
    if alert.state == "firing":
        if alert.last_active > now:
            return True
        if holds:
            return rule.keep_firing_for > 0
        return now - alert.last_active >= rule.keep_firing_for
    return alert.resolved_at is None or now - alert.resolved_at > RESOLVED_RETENTION


def durable(alert: AlertState, now: float) -> tuple[Any, ...]:
    """What of an alert a restart needs, as evaluated at `now`: equal tuples, no write.

    Kept: its state, when its condition began to hold (the `for:` timer), when it fired and
    resolved, the value it fired at, its threshold, severity and labels, and when its
    condition last held once it no longer does (`keep_firing_for` counts from there). Not
    kept while pending or firing: the value now (it moves every poll; the next evaluation
    after a restart says it again) and the annotations rendered from it. A resolved alert
    no longer changes: all of it counts."""
    holds = alert.last_active >= now
    settled = alert.state == "resolved"
    notes = alert.annotations
    return (
        alert.state, alert.active_since, None if holds else alert.last_active,
        alert.fired_at, alert.resolved_at, alert.threshold, alert.severity,
        tuple(sorted(alert.labels.items())),
        tuple(sorted(notes.items())) if settled else notes.get("value_fired"),
        alert.value if settled else None,
    )  # fmt: skip
