"""Alert rules × snapshot × now → alert states and transitions. Pure: no IO, no clock.

Rounding-aware: a source prints a fixed number of decimals, so a printed 0.00008 stands for
any true value in [0.000075, 0.000085). Under `rounding: strict` (the default) a `rate`,
`change` or `source_change` condition holds only when it holds for every true value
consistent with the printed ones; `rounding: ignore` compares the printed numbers.

States follow Prometheus: inactive → pending → firing (after `for`) → resolved (after the
condition has been false for `keep_firing_for`). A resolved alert is kept for
RESOLVED_RETENTION so it can be re-sent, then forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from tickerwatch.config.schema import AlertRule
from tickerwatch.core.model import Pair
from tickerwatch.core.snapshot import Rate, SourceState
from tickerwatch.core.units import format_duration, parse_duration

RESOLVED_RETENTION = 15 * 60.0
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


@dataclass(frozen=True, slots=True)
class Transition:
    """firing or resolved: what notifications announce."""

    status: Literal["firing", "resolved"]
    alert: AlertState


# ---------------------------------------------------------------- conditions


def _interval(value: Decimal, step: Decimal, strict: bool) -> tuple[Decimal, Decimal]:
    """The true values a printed value may stand for (a point when rounding is ignored)."""
    half = step / 2 if strict else Decimal(0)
    return value - half, value + half


def _compare(
    low: Decimal, high: Decimal, above: Decimal | None, below: Decimal | None, by: Decimal | None
) -> bool:
    if above is not None:
        return low > above
    if below is not None:
        return high < below
    assert by is not None
    return low > by or high < -by


def _ratio_range(
    now: Decimal, then: Decimal, step: Decimal, strict: bool
) -> tuple[Decimal, Decimal] | None:
    n_low, n_high = _interval(now, step, strict)
    t_low, t_high = _interval(then, step, strict)
    if t_low <= 0:
        return None  # the earlier value may have been zero: any ratio is possible
    return n_low / t_high - 1, n_high / t_low - 1


def _rate_active(rule: AlertRule, r: Rate) -> tuple[bool, str, str]:
    cond = rule.rate
    assert cond is not None
    low, high = _interval(r.quote.rate, r.quote.resolution, rule.rounding == "strict")
    if cond.outside is not None:
        a, b = cond.outside
        return high < a or low > b, str(r.quote.rate), f"outside [{a}, {b}]"
    if cond.inside is not None:
        a, b = cond.inside
        return low >= a and high <= b, str(r.quote.rate), f"inside [{a}, {b}]"
    active = _compare(low, high, cond.above, cond.below, None)
    return active, str(r.quote.rate), _threshold(cond.above, cond.below, None)


def _change_active(rule: AlertRule, r: Rate) -> tuple[bool, str, str]:
    cond = rule.change
    assert cond is not None
    then = r.window_rates.get(cond.window)
    threshold = _threshold(cond.above, cond.below, cond.by)
    if cond.delta is not None:
        threshold = f"moves by more than {cond.delta}"
    if then is None:
        return False, "", threshold
    strict = rule.rounding == "strict"
    if cond.delta is not None:
        move = r.quote.rate - then
        least = abs(move) - (r.quote.resolution if strict else 0)
        return least > cond.delta, f"{move:+}", f"moves by more than {cond.delta}"
    ratio = r.quote.rate / then - 1
    bounds = _ratio_range(r.quote.rate, then, r.quote.resolution, strict)
    if bounds is None:
        return False, _ratio(ratio), threshold
    return _compare(*bounds, cond.above, cond.below, cond.by), _ratio(ratio), threshold


def _source_change_active(rule: AlertRule, r: Rate) -> tuple[bool, str, str]:
    cond = rule.source_change
    assert cond is not None
    printed = r.quote.change_ratio
    exponent = r.quote.change_pct.as_tuple().exponent
    step = Decimal(1).scaleb((exponent if isinstance(exponent, int) else 0) - 2)
    low, high = _interval(printed, step, rule.rounding == "strict")
    active = _compare(low, high, cond.above, cond.below, cond.by)
    return active, _ratio(printed), _threshold(cond.above, cond.below, cond.by)


def _threshold(above: Decimal | None, below: Decimal | None, by: Decimal | None) -> str:
    if above is not None:
        return f"> {above}"
    if below is not None:
        return f"< {below}"
    return f"moves by more than {by}"


def _ratio(value: Decimal) -> str:
    """A ratio as a signed percentage with 4 significant digits: +4.17%, -0.0123%."""
    return f"{float(value) * 100:+.4g}%"


# ---------------------------------------------------------------- observations


def observe(
    rules: Iterable[AlertRule], states: Iterable[SourceState], now: float
) -> list[Observation]:
    """Every (rule, series) the rules select, with whether its condition holds now."""
    states = list(states)
    return [obs for rule in rules for obs in _observe_rule(rule, states, now)]


def _observe_rule(rule: AlertRule, states: list[SourceState], now: float) -> Iterator[Observation]:
    for state in states:
        name = state.source.name
        if rule.sources and name not in rule.sources:
            continue
        if rule.kind == "source_down":
            down = state.polls > 0 and not state.up
            yield Observation(AlertKey(rule.name, name), down, state.last_reason or "", "down")
            continue
        for pair in _pairs(rule, state):
            key = AlertKey(rule.name, name, pair.base, pair.quote)
            yield _pair_observation(rule, state, pair, key, now)


def _pairs(rule: AlertRule, state: SourceState) -> list[Pair]:
    seen = list(state.rates)
    if rule.kind == "missing":
        seen = list(dict.fromkeys([*state.source.pairs, *seen]))
    return [p for p in seen if not rule.pairs or p in rule.pairs]


def _pair_observation(
    rule: AlertRule, state: SourceState, pair: Pair, key: AlertKey, now: float
) -> Observation:
    r = state.rates.get(pair)
    if rule.kind == "missing":
        active = state.last_result is not None and state.last_result.quote_for(pair) is None
        return Observation(key, active, "absent" if active else "present", "expected")
    if rule.kind == "conflict":
        active = any(c.pair == pair for c in state.conflicts)
        return Observation(key, active, "conflict" if active else "", "copies agree")
    assert r is not None
    if rule.kind == "stale":
        assert rule.stale is not None
        age = now - r.updated_at
        return Observation(
            key,
            age > rule.stale.after,
            format_duration(age),
            f"> {format_duration(rule.stale.after)}",
        )
    check = {
        "rate": _rate_active,
        "change": _change_active,
        "source_change": _source_change_active,
    }[rule.kind]
    active, value, threshold = check(rule, r)
    return Observation(key, active, value, threshold)


def windows_needed(rules: Iterable[AlertRule]) -> dict[str, float]:
    """Windows that change rules compare against, to be looked up in history."""
    return {r.change.window: parse_duration(r.change.window) for r in rules if r.change is not None}


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
    for key in sorted(set(seen) | set(previous)):
        rule = by_name.get(key.alertname)
        obs = seen.get(key)
        before = previous.get(key)
        if rule is None:  # the rule was removed: resolve what fired, forget the rest
            after, transition = _removed(before, now)
        else:
            after, transition = _advance(rule, before, obs, now)
        if after is not None:
            current[key] = after
        if transition is not None:
            transitions.append(transition)
    return current, transitions


def _removed(before: AlertState | None, now: float) -> tuple[AlertState | None, Transition | None]:
    if before is None or before.state != "firing":
        return before if before and before.state == "resolved" else None, None
    resolved = replace(before, state="resolved", resolved_at=now)
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
        resolved = replace(before, state="resolved", resolved_at=now)
        return resolved, Transition("resolved", resolved)
    assert before.resolved_at is not None
    if now - before.resolved_at > RESOLVED_RETENTION:
        return None, None
    return before, None


def _active(
    rule: AlertRule, before: AlertState | None, obs: Observation, now: float
) -> tuple[AlertState, Transition | None]:
    if before is None or before.state == "resolved":
        before = AlertState(obs.key, "pending", active_since=now, last_active=now)
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
        fired = replace(updated, state="firing", fired_at=now)
        return fired, Transition("firing", fired)
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
        "window": rule.change.window if rule.change else "", "severity": rule.severity,
        "for": format_duration(rule.for_),
    }  # fmt: skip
    summary = rule.summary or _default_summary(rule, key)
    annotations = {"summary": summary.format_map(fields)}
    if rule.description:
        annotations["description"] = rule.description.format_map(fields)
    annotations.update(value=obs.value, threshold=obs.threshold)
    return labels, annotations


def _default_summary(rule: AlertRule, key: AlertKey) -> str:
    what = {
        "rate": "{pair} on {source} is {value}, {threshold}",
        "change": "{pair} on {source} changed {value} over {window} ({threshold})",
        "source_change": "{pair} on {source}: the site prints a change of {value} ({threshold})",
        "stale": "{pair} on {source} not seen for {value}",
        "source_down": "source {source} is failing ({value})",
        "conflict": "copies of {pair} on {source} disagree",
        "missing": "{pair} is missing from the ticker of {source}",
    }
    return what[rule.kind]
