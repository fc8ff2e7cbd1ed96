"""Ticker formats: the built-in `timesca` entry pattern, and per-source custom patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, TypeAlias

import regex

from tickerwatch.core.parse.number import SEPARATORS, SIGNS

GROUPS: Final = ("base", "quote", "rate", "change")

# A built-in format's pattern (`re`), or a custom one (`regex`: it is matched with a
# timeout, outside the GIL, so a pattern that backtracks for ever fails one poll instead
# of hanging the service).
EntryPattern: TypeAlias = "re.Pattern[str] | regex.Pattern[str]"
PATTERN_SECONDS: Final = 2.0  # the longest a custom pattern may search one page


@dataclass(frozen=True, slots=True)
class Widget:
    """What a custom pattern's source says of its entries beyond the pattern: a base or
    quote currency the page does not print (`USD 87.45` on a KGS site: quote KGS), and
    whether the change it prints is a percent or an absolute move in quote units."""

    base: str | None = None
    quote: str | None = None
    absolute_change: bool = False


# A printed number, liberally: digits (any script) with single separators between them.
# parse/number.py decides what it says or why it cannot be read.
# A number ends where no digit follows, nor a separator other than a space and then a digit
# (a space may also stand between a rate and an unsigned change: `0.01144 0%`).
_SEP: Final = f"[{re.escape(SEPARATORS)}]"
_NOT_SPACE_SEP: Final = f"[{re.escape(SEPARATORS.replace(' ', ''))}]"
_NUMBER: Final = rf"\d(?:{_SEP}?\d){{0,40}}(?!{_NOT_SPACE_SEP}?\d)"
_PERCENT: Final = "[%\u066a\uff05]"
_SIGN: Final = f"[{re.escape(SIGNS)}]"
TIMESCA: Final = re.compile(
    r"(?<![A-Za-z])(?P<base>[A-Z]{3})[ \t]*/[ \t]*(?P<quote>[A-Z]{3})(?![A-Za-z])"
    r"\s*(?:[=:]\s*)?"
    rf"(?P<rate>\+?{_NUMBER})"
    rf"(?:\s+|(?={_SIGN}))"
    rf"(?P<change>{_SIGN}?\s?{_NUMBER})\s*{_PERCENT}"
)

BUILTIN: Final[dict[str, EntryPattern]] = {"timesca": TIMESCA}


def compile_pattern(pattern: str, widget: Widget | None = None) -> regex.Pattern[str]:
    """Compile a custom entry pattern (Python `re` syntax, read by the `regex` library);
    raises ValueError. It names the group `rate`, and `base` and `quote` unless `widget`
    fixes them — not both: a fixed code and its group would disagree; `change` is optional,
    but needed for an absolute change."""
    try:
        compiled = regex.compile(pattern)
    except regex.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    fixed = widget or Widget()
    _check_widget(fixed, set(compiled.groupindex))
    needed = {"rate"} | ({"base"} if fixed.base is None else set())
    needed |= set() if fixed.quote is not None else {"quote"}
    missing = needed - set(compiled.groupindex)
    if missing:
        names = ", ".join(sorted(missing))
        raise ValueError(
            f"the pattern needs the named groups {', '.join(sorted(needed))} (base and quote"
            f" may be fixed by the source's base: and quote:; change is optional); missing"
            f" {names}"
        )
    return compiled


def _check_widget(widget: Widget, groups: set[str]) -> None:
    for code in ("base", "quote"):
        if getattr(widget, code) and code in groups:
            raise ValueError(
                f"{code} is fixed to {getattr(widget, code)} and also a group of the pattern;"
                f" remove one of them"
            )
    if widget.base and widget.base == widget.quote:
        raise ValueError(f"base and quote are both {widget.base}: a pair needs two currencies")
    if widget.absolute_change and "change" not in groups:
        raise ValueError("change_unit: absolute needs a change group in the pattern")
