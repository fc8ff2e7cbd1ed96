"""Ticker formats: the built-in `timesca` entry pattern, and per-source custom patterns."""

from __future__ import annotations

import re
from typing import Final

from tickerwatch.parse.ticker import SIGNS

REQUIRED_GROUPS: Final = frozenset({"base", "quote", "rate", "change"})

_NUMBER: Final = r"\d+(?:[.,]\d+)?(?![.,]?\d)"
TIMESCA: Final = re.compile(
    r"(?<![A-Za-z])(?P<base>[A-Z]{3})[ \t]*/[ \t]*(?P<quote>[A-Z]{3})(?![A-Za-z])"
    r"\s*(?:[=:]\s*)?"
    rf"(?P<rate>\+?{_NUMBER})"
    rf"(?:\s+|(?=[{SIGNS}]))"
    rf"(?P<change>[{SIGNS}]?\s?{_NUMBER})\s*%"
)

BUILTIN: Final[dict[str, re.Pattern[str]]] = {"timesca": TIMESCA}


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a custom entry pattern; it must name the groups base, quote, rate and change."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    missing = REQUIRED_GROUPS - set(compiled.groupindex)
    if missing:
        names = ", ".join(sorted(missing))
        raise ValueError(
            f"the pattern needs the named groups base, quote, rate, change; missing {names}"
        )
    return compiled
