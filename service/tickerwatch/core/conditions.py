"""The arithmetic of the rate conditions under rounding (see core.alerts): a printed
value stands for the interval of true values it may have been rounded from. Pure."""

from __future__ import annotations

from decimal import Decimal

from tickerwatch.core.settings import (
    Above,
    Below,
    ChangeCondition,
    Inside,
    MovesBy,
    Outside,
    RateCondition,
    SourceChangeCondition,
)
from tickerwatch.core.snapshot import Rate


def _interval(value: Decimal, step: Decimal, strict: bool) -> tuple[Decimal, Decimal]:
    """The true values a printed value may stand for (a point when rounding is ignored)."""
    half = step / 2 if strict else Decimal(0)
    return value - half, value + half


def _holds(low: Decimal, high: Decimal, threshold: Above | Below | MovesBy) -> bool:
    """Whether every value in [low, high] crosses the threshold."""
    match threshold:
        case Above(value=v):
            return low > v
        case Below(value=v):
            return high < v
        case MovesBy(value=v):
            return low > v or high < -v


def _ratio_range(
    now: Decimal, then: Decimal, step: Decimal, strict: bool
) -> tuple[Decimal, Decimal] | None:
    n_low, n_high = _interval(now, step, strict)
    t_low, t_high = _interval(then, step, strict)
    if t_low <= 0:
        return None  # the earlier value may have been zero: any ratio is possible
    return n_low / t_high - 1, n_high / t_low - 1


def rate_active(cond: RateCondition, r: Rate, strict: bool) -> tuple[bool, str]:
    low, high = _interval(r.printed.rate, r.printed.resolution, strict)
    match cond.threshold:
        case Outside(low=a, high=b):
            active = high < a or low > b
        case Inside(low=a, high=b):
            active = low >= a and high <= b
        case Above() | Below() as threshold:
            active = _holds(low, high, threshold)
    return active, str(r.printed.rate)


def change_active(cond: ChangeCondition, r: Rate, strict: bool) -> tuple[bool, str]:
    then = r.window_rates.get(cond.window)
    if then is None:
        return False, ""
    threshold = cond.threshold
    if isinstance(threshold, MovesBy) and threshold.absolute:
        move = r.printed.rate - then
        least = abs(move) - (r.printed.resolution if strict else 0)
        return least > threshold.value, f"{move:+}"
    ratio = r.printed.rate / then - 1
    bounds = _ratio_range(r.printed.rate, then, r.printed.resolution, strict)
    if bounds is None:
        return False, _ratio(ratio)
    return _holds(*bounds, threshold), _ratio(ratio)


def source_change_active(cond: SourceChangeCondition, r: Rate, strict: bool) -> tuple[bool, str]:
    """The printed change as a ratio. A percent is rounded at its own last decimal; an
    absolute change c of a rate r is the ratio r / (r - c) - 1, where both the rate and
    the rate before (r - c) were printed with the rate's resolution. A source that prints
    no change never meets the condition."""
    printed = r.printed
    ratio = printed.change_ratio
    if ratio is None:
        return False, ""
    if printed.change_pct is not None:
        exponent = printed.change_pct.as_tuple().exponent
        step = Decimal(1).scaleb((exponent if isinstance(exponent, int) else 0) - 2)
        bounds: tuple[Decimal, Decimal] | None = _interval(ratio, step, strict)
    else:
        assert printed.change_abs is not None  # change_ratio is None without a change
        before = printed.rate - printed.change_abs
        bounds = _ratio_range(printed.rate, before, printed.resolution, strict)
    if bounds is None:
        return False, _ratio(ratio)
    return _holds(*bounds, cond.threshold), _ratio(ratio)


def _ratio(value: Decimal) -> str:
    """A ratio as a signed percentage with 4 significant digits: +4.17%, -0.0123%."""
    return percent(float(value))


def percent(ratio: float) -> str:
    return f"{ratio * 100:+.4g}%"
