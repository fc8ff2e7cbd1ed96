"""A rule's threshold in the words and unit of its value: a rate's in rate units ("below
0.00195"), a ratio's in percent ("below -2%", "beyond ±5%"), so a notification reads
"moved -4.95% over 30s, below -2%" and never mixes 0.02 with 2%. Pure."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tickerwatch.core.settings import (
    Above,
    Below,
    ChangeCondition,
    Condition,
    DeviationCondition,
    Inside,
    MovesBy,
    Outside,
    RateCondition,
    SourceChangeCondition,
    StaleCondition,
)
from tickerwatch.core.units import format_duration


def threshold_text(condition: Condition) -> str:
    """The threshold as people read it; "" for kinds without one (down, conflict, missing)."""
    match condition:
        case RateCondition(threshold=t):
            return _words(t, _plain)
        case ChangeCondition(threshold=MovesBy(absolute=True, value=v)):
            return f"beyond ±{_plain(v)}"
        case ChangeCondition(threshold=t) | SourceChangeCondition(threshold=t):
            return _words(t, percent)
        case DeviationCondition(above=above):
            return f"beyond ±{percent(above)}"
        case StaleCondition(after=after):
            return f"more than {format_duration(after)}"
    return ""


def percent(ratio: Decimal, signed: bool = False) -> str:
    """A ratio as a percent, as exact as written: 0.02 → 2%, -0.005 → -0.5%."""
    text = f"{(ratio * 100).normalize():f}"
    return ("+" if signed and ratio > 0 else "") + text + "%"


def _plain(value: Decimal) -> str:
    return f"{value:f}"


def _words(t: Above | Below | MovesBy | Outside | Inside, unit: Callable[[Decimal], str]) -> str:
    match t:
        case Above(value=v):
            return f"above {unit(v)}"
        case Below(value=v):
            return f"below {unit(v)}"
        case MovesBy(value=v):
            return f"beyond ±{unit(v)}"
        case Outside(low=lo, high=hi):
            return f"outside {unit(lo)}–{unit(hi)}"
        case Inside(low=lo, high=hi):
            return f"inside {unit(lo)}–{unit(hi)}"
