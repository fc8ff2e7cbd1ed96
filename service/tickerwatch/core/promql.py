"""`tickerwatch rules`: the configured thresholds as Prometheus alerting rules over
tickerwatch's own metrics, for teams that alert in Prometheus. Pure.

Rounding is kept where the metrics allow it: under `rounding: strict` a rate rule widens
the printed rate by half its exported resolution, and a change rule bounds the ratio the
same way. The printed change (`source_change`) is compared as exported: its own resolution
is not exported (nor, for a feed's absolute change, the rounding of the ratio derived from
it); a source that prints no change has no such series, so the rule never fires for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tickerwatch.core.model import Pair
from tickerwatch.core.settings import (
    Above,
    AlertRule,
    Below,
    ChangeCondition,
    ConflictCondition,
    DeviationCondition,
    Inside,
    MissingCondition,
    MovesBy,
    Outside,
    RateCondition,
    Settings,
    SourceChangeCondition,
    SourceDownCondition,
    StaleCondition,
)
from tickerwatch.core.thresholds import threshold_text
from tickerwatch.core.units import format_duration

RATE = "tickerwatch_exchange_rate"
RES = "tickerwatch_exchange_rate_resolution"
DEVIATION = "tickerwatch_exchange_rate_deviation_ratio"


def prometheus_rules(settings: Settings) -> dict[str, Any]:
    return {
        "groups": [
            {
                "name": "tickerwatch-thresholds",
                "rules": [_rule(r, settings) for r in settings.alerts],
            }
        ]
    }


def _rule(rule: AlertRule, settings: Settings) -> dict[str, Any]:
    out: dict[str, Any] = {"alert": rule.name, "expr": _expr(rule, settings)}
    if rule.for_:
        out["for"] = format_duration(rule.for_)
    if rule.keep_firing_for:
        out["keep_firing_for"] = format_duration(rule.keep_firing_for)
    out["labels"] = {"severity": rule.severity, **rule.labels}
    out["annotations"] = {"summary": _promtemplate(rule.summary_template, rule)}
    if rule.description:
        out["annotations"]["description"] = _promtemplate(rule.description, rule)
    return out


def _promtemplate(text: str, rule: AlertRule) -> str:
    """tickerwatch's {pair}-style fields as Prometheus template expressions."""
    fields = {
        # $labels holds the series' labels only: the rule's name and severity are literals
        "alertname": rule.name, "source": "{{ $labels.source }}",
        "pair": "{{ $labels.base }}/{{ $labels.quote }}", "base": "{{ $labels.base }}",
        "quote": "{{ $labels.quote }}", "value": _value(rule), "threshold": _threshold(rule),
        "window": rule.window,
        "severity": rule.severity, "for": format_duration(rule.for_),
    }  # fmt: skip
    return text.format_map(fields)


def _threshold(rule: AlertRule) -> str:
    return threshold_text(rule.condition) or rule.kind


def _value(rule: AlertRule) -> str:
    """The alert's $value as the service prints its value: ratios as percentages."""
    match rule.condition:
        case ChangeCondition(threshold=MovesBy(absolute=True)):
            return "{{ $value }}"
        case ChangeCondition() | SourceChangeCondition() | DeviationCondition():
            return "{{ $value | humanizePercentage }}"
        case StaleCondition():
            return "{{ $value | humanizeDuration }}"
    return "{{ $value }}"


def _matchers(rule: AlertRule, pair: Pair | None = None, extra: str = "") -> str:
    parts = []
    if rule.sources:
        parts.append(_one_of("source", rule.sources))
    if pair is not None:
        parts += [f'base="{pair.base}"', f'quote="{pair.quote}"']
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _one_of(label: str, names: tuple[str, ...]) -> str:
    """A matcher for any of `names`: `=` for one, else a regex with each name's `.`
    escaped (names may hold dots; PromQL regexes are anchored)."""
    if len(names) == 1:
        return f'{label}="{names[0]}"'
    return f'{label}=~"' + "|".join(n.replace(".", "\\\\.") for n in names) + '"'


def _per_pair(rule: AlertRule, build: Callable[[Pair | None], str]) -> str:
    """One expression per selected pair, or one for every pair when none are selected."""
    if not rule.pairs:
        return build(None)
    return " or ".join(f"({build(p)})" for p in rule.pairs)


def _cmp(value: str, threshold: Above | Below | MovesBy) -> str:
    match threshold:
        case Above(value=v):
            return f"{value} > {v}"
        case Below(value=v):
            return f"{value} < {v}"
        case MovesBy(value=v):
            return f"abs({value}) > {v}"


def _expr(rule: AlertRule, settings: Settings) -> str:
    strict = rule.strict
    match rule.condition:
        case RateCondition() as rate:
            return _per_pair(rule, lambda p: _rate_expr(rule, rate, p, strict))
        case ChangeCondition() as change:
            return _per_pair(rule, lambda p: _change_expr(rule, change, p, strict))
        case SourceChangeCondition(threshold=t):
            printed = "tickerwatch_exchange_rate_source_change_ratio"
            return _per_pair(rule, lambda p: _cmp(f"{printed}{_matchers(rule, p)}", t))
        case StaleCondition(after=after):
            updated = "tickerwatch_exchange_rate_updated_timestamp_seconds"
            return _per_pair(rule, lambda p: f"time() - {updated}{_matchers(rule, p)} > {after:g}")
        case SourceDownCondition():
            return f"tickerwatch_source_up{_matchers(rule)} == 0"
        case ConflictCondition():
            conflicts = "tickerwatch_ticker_conflicts_total"
            return _per_pair(rule, lambda p: f"increase({conflicts}{_matchers(rule, p)}[10m]) > 0")
        case MissingCondition():
            return _missing_expr(rule, settings)
        case DeviationCondition() as deviation:
            return _per_pair(rule, lambda p: _deviation_expr(rule, deviation, p))


def _rate_expr(rule: AlertRule, c: RateCondition, pair: Pair | None, strict: bool) -> str:
    m = _matchers(rule, pair)
    low = f"({RATE}{m} - {RES}{m} / 2)" if strict else f"{RATE}{m}"
    high = f"({RATE}{m} + {RES}{m} / 2)" if strict else f"{RATE}{m}"
    match c.threshold:
        case Outside(low=a, high=b):
            return f"{high} < {a} or {low} > {b}"
        case Inside(low=a, high=b):
            return f"{low} >= {a} and {high} <= {b}"
        case Above(value=v):
            return f"{low} > {v}"
        case Below(value=v):
            return f"{high} < {v}"


def _change_expr(rule: AlertRule, c: ChangeCondition, pair: Pair | None, strict: bool) -> str:
    m = _matchers(rule, pair)
    window = 'window="' + c.window + '"'
    ratio = f"tickerwatch_exchange_rate_change_ratio{_matchers(rule, pair, window)}"
    then = f"({RATE}{m} / ignoring(window) (1 + {ratio}))"
    t = c.threshold
    if isinstance(t, MovesBy) and t.absolute:
        slack = f" - {RES}{m}" if strict else ""
        return f"abs({RATE}{m} - {then}){slack} > {t.value}"
    if not strict:  # drop the window label, as the strict form does
        return _cmp(f"max without(window) ({ratio})", t)
    least = f"(({RATE}{m} - {RES}{m} / 2) / ({then} + {RES}{m} / 2) - 1)"
    most = f"(({RATE}{m} + {RES}{m} / 2) / ({then} - {RES}{m} / 2) - 1)"
    match t:
        case Above(value=v):
            return f"{least} > {v}"
        case Below(value=v):
            return f"{most} < {v}"
        case MovesBy(value=v):
            return f"{least} > {v} or {most} < -{v}"


def _deviation_expr(rule: AlertRule, c: DeviationCondition, pair: Pair | None) -> str:
    """Off the reference by more than `above` either way: every deviation the printed
    numbers allow (the interval's bounds) beyond it."""
    m = _matchers(rule, pair, _one_of("reference", c.references) if c.references else "")
    # `and` keeps the left side's value: the alert's $value is the deviation, not a bound
    bounds = f"{DEVIATION}_min{m} > {c.above} or {DEVIATION}_max{m} < -{c.above}"
    return f"{DEVIATION}{m} and ({bounds})"


def _missing_expr(rule: AlertRule, settings: Settings) -> str:
    terms = []
    for source in settings.sources:
        if rule.sources and source.name not in rule.sources:
            continue
        for pair in source.pairs:
            if rule.pairs and pair not in rule.pairs:
                continue
            sel = f'{{source="{source.name}",base="{pair.base}",quote="{pair.quote}"}}'
            terms.append(f"absent({RATE}{sel})")
    return " or ".join(terms) or "vector(0) > 1"
