"""Which series an alert evaluation looks at, and which part of an alert's state is worth
persisting. Pure: no IO, no clock.

A series here is `(alertname, source)`: one rule applied to one source (all of its pairs).

- After a poll of source X (`polled_scope`): every rule that selects X, and every
  `deviation` rule's series of the sources that use X as a reference (the rule's own
  `references`, or else the observed source's). Nothing else can have changed.
- On the timer (`timer_scope`): the conditions whose truth moves with the clock alone
  (`stale`, `deviation`: a reference goes stale) over every source they select, and every
  series that has an alert state (a `for:` to run out, a `keep_firing_for`, a resolved
  alert to forget, a removed rule to resolve). A series without a state and with a
  condition that only a poll can change was found inactive by that poll and still is.
- `everything`: every series of every rule, and every series with a state (a reload, or a
  first evaluation).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tickerwatch.core.alerts import AlertKey, AlertState, Observation, observe_rule
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
    rules: Iterable[AlertRule], source: str, referring: Mapping[str, set[Series]]
) -> set[Series]:
    """The series a poll of `source` can change (`referring`: from `referrers`)."""
    scope = {(rule.name, source) for rule in rules if selects(rule, source)}
    return scope | referring.get(source, set())


def timer_scope(
    rules: Iterable[AlertRule], sources: Iterable[str], keys: Iterable[AlertKey]
) -> set[Series]:
    """The series the clock alone can change."""
    names = list(sources)
    scope = {(k.alertname, k.source) for k in keys}
    for rule in rules:
        if isinstance(rule.condition, TIMED):
            scope.update((rule.name, n) for n in names if selects(rule, n))
    return scope


def everything(
    rules: Iterable[AlertRule], sources: Iterable[str], keys: Iterable[AlertKey]
) -> set[Series]:
    names = list(sources)
    scope = {(k.alertname, k.source) for k in keys}
    for rule in rules:
        scope.update((rule.name, n) for n in names if selects(rule, n))
    return scope


def observe_scope(
    rules: Iterable[AlertRule], scope: set[Series], states: Mapping[str, SourceState], now: float
) -> list[Observation]:
    """Every observation of the series in `scope` whose source is in `states`."""
    wanted: dict[str, list[SourceState]] = {}
    for alertname, source in sorted(scope):
        state = states.get(source)
        if state is not None:
            wanted.setdefault(alertname, []).append(state)
    return [obs for rule in rules for obs in _observe(rule, wanted, states, now)]


def _observe(
    rule: AlertRule,
    wanted: dict[str, list[SourceState]],
    states: Mapping[str, SourceState],
    now: float,
) -> Iterator[Observation]:
    chosen = wanted.get(rule.name)
    return observe_rule(rule, chosen, now, states) if chosen else iter(())


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
