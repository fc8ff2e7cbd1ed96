"""`tickerwatch rules`: the configured thresholds as Prometheus alerting rules over
tickerwatch's own metrics, for teams that alert in Prometheus. Pure.

Rounding is kept where the metrics allow it: under `rounding: strict` a rate rule widens
the printed rate by half its exported resolution, and a change rule bounds the ratio the
same way. The printed change (`source_change`) is compared as printed: its own resolution
is not exported.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tickerwatch.config.schema import AlertRule, Settings
from tickerwatch.core.model import Pair
from tickerwatch.core.units import format_duration

RATE = "tickerwatch_exchange_rate"
RES = "tickerwatch_exchange_rate_resolution"


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
    default = "{alertname}: {source} {value}" if rule.kind == "source_down" else DEFAULT_SUMMARY
    out["annotations"] = {"summary": _promtemplate(rule.summary or default, rule)}
    if rule.description:
        out["annotations"]["description"] = _promtemplate(rule.description, rule)
    return out


DEFAULT_SUMMARY = "{alertname}: {pair} on {source} is {value} ({threshold})"


def _promtemplate(text: str, rule: AlertRule) -> str:
    """tickerwatch's {pair}-style fields as Prometheus template expressions."""
    fields = {
        # $labels holds the series' labels only: the rule's name and severity are literals
        "alertname": rule.name, "source": "{{ $labels.source }}",
        "pair": "{{ $labels.base }}/{{ $labels.quote }}", "base": "{{ $labels.base }}",
        "quote": "{{ $labels.quote }}", "value": "{{ $value }}", "threshold": _threshold(rule),
        "window": rule.change.window if rule.change else "",
        "severity": rule.severity, "for": format_duration(rule.for_),
    }  # fmt: skip
    return text.format_map(fields)


def _threshold(rule: AlertRule) -> str:
    cond: Any = rule.rate or rule.change or rule.source_change
    if cond is None:
        return rule.kind
    for name, sign in (
        ("above", "> "),
        ("below", "< "),
        ("by", "moves by "),
        ("delta", "moves by "),
    ):
        if getattr(cond, name, None) is not None:
            return f"{sign}{getattr(cond, name)}"
    if getattr(cond, "outside", None) is not None:
        return f"outside [{cond.outside[0]}, {cond.outside[1]}]"
    return f"inside [{cond.inside[0]}, {cond.inside[1]}]"


def _matchers(rule: AlertRule, pair: Pair | None = None, extra: str = "") -> str:
    parts = []
    if rule.sources:
        parts.append('source=~"' + "|".join(rule.sources) + '"')
    if pair is not None:
        parts += [f'base="{pair.base}"', f'quote="{pair.quote}"']
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _per_pair(rule: AlertRule, build: Any) -> str:
    """One expression per selected pair, or one for every pair when none are selected."""
    if not rule.pairs:
        return str(build(None))
    return " or ".join(f"({build(p)})" for p in rule.pairs)


def _cmp(value: str, above: Decimal | None, below: Decimal | None, by: Decimal | None) -> str:
    if above is not None:
        return f"{value} > {above}"
    if below is not None:
        return f"{value} < {below}"
    return f"abs({value}) > {by}"


def _expr(rule: AlertRule, settings: Settings) -> str:
    kind = rule.kind
    strict = rule.rounding == "strict"
    if kind == "rate":
        return _per_pair(rule, lambda p: _rate_expr(rule, p, strict))
    if kind == "change":
        return _per_pair(rule, lambda p: _change_expr(rule, p, strict))
    if kind == "source_change":
        c = rule.source_change
        assert c is not None
        return _per_pair(
            rule,
            lambda p: _cmp(
                f"tickerwatch_exchange_rate_source_change_ratio{_matchers(rule, p)}",
                c.above,
                c.below,
                c.by,
            ),
        )
    if kind == "stale":
        assert rule.stale is not None
        after = rule.stale.after
        updated = "tickerwatch_exchange_rate_updated_timestamp_seconds"
        return _per_pair(rule, lambda p: f"time() - {updated}{_matchers(rule, p)} > {after:g}")
    if kind == "source_down":
        return f"tickerwatch_source_up{_matchers(rule)} == 0"
    if kind == "conflict":
        return _per_pair(
            rule,
            lambda p: f"increase(tickerwatch_ticker_conflicts_total{_matchers(rule, p)}[10m]) > 0",
        )
    return _missing_expr(rule, settings)


def _rate_expr(rule: AlertRule, pair: Pair | None, strict: bool) -> str:
    c = rule.rate
    assert c is not None
    m = _matchers(rule, pair)
    low = f"({RATE}{m} - {RES}{m} / 2)" if strict else f"{RATE}{m}"
    high = f"({RATE}{m} + {RES}{m} / 2)" if strict else f"{RATE}{m}"
    if c.outside is not None:
        return f"{high} < {c.outside[0]} or {low} > {c.outside[1]}"
    if c.inside is not None:
        return f"{low} >= {c.inside[0]} and {high} <= {c.inside[1]}"
    return f"{low} > {c.above}" if c.above is not None else f"{high} < {c.below}"


def _change_expr(rule: AlertRule, pair: Pair | None, strict: bool) -> str:
    c = rule.change
    assert c is not None
    m = _matchers(rule, pair)
    window = 'window="' + c.window + '"'
    ratio = f"tickerwatch_exchange_rate_change_ratio{_matchers(rule, pair, window)}"
    then = f"({RATE}{m} / ignoring(window) (1 + {ratio}))"
    if c.delta is not None:
        slack = f" - {RES}{m}" if strict else ""
        return f"abs({RATE}{m} - {then}){slack} > {c.delta}"
    if not strict:  # drop the window label, as the strict form does
        return _cmp(f"max without(window) ({ratio})", c.above, c.below, c.by)
    least = f"(({RATE}{m} - {RES}{m} / 2) / ({then} + {RES}{m} / 2) - 1)"
    most = f"(({RATE}{m} + {RES}{m} / 2) / ({then} - {RES}{m} / 2) - 1)"
    if c.above is not None:
        return f"{least} > {c.above}"
    if c.below is not None:
        return f"{most} < {c.below}"
    return f"{least} > {c.by} or {most} < -{c.by}"


def _missing_expr(rule: AlertRule, settings: Settings) -> str:
    terms = []
    for source in settings.resolved_sources():
        if rule.sources and source.name not in rule.sources:
            continue
        for pair in source.pairs:
            if rule.pairs and pair not in rule.pairs:
                continue
            sel = f'{{source="{source.name}",base="{pair.base}",quote="{pair.quote}"}}'
            terms.append(f"absent({RATE}{sel})")
    return " or ".join(terms) or "vector(0) > 1"
