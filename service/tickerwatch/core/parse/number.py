"""Numbers as people print them: the one reader of rates and changes, whatever the locale.
Pure: no IO, no clock.

Read:
- digits: any Unicode decimal digit (0-9, ٠-٩, ۰-۹, ०-९, …), by its value;
- a sign before the digits: `+`, or any minus (`-`, U+2212, U+2012–U+2014, U+2010, U+2011,
  U+FE63, U+FF0D), optionally followed by one space;
- grouping: spaces (plain, U+00A0, U+202F, U+2009, …), `'`, U+2019, U+066C, U+060C,
  U+2E41, and `.` or `,` when that is not the decimal mark; groups of three digits (two
  before the last group in Indian grouping: 1,23,45,678);
- a decimal mark: `.`, `,` or U+066B;
- direction and other invisible format marks (U+200E, U+200F, U+061C, U+202A–U+202E,
  U+2066–U+2069, zero-width characters) are ignored wherever they stand.

A lone `.` or `,` followed by exactly three digits (`12,650`, `1.234`) could be either a
decimal mark or grouping. The number's own shape settles it when it can (a leading `0`,
another separator, a different count of digits); otherwise the caller's `hint` does (how
the other numbers of the same ticker print, see `page_decimal_mark`), and without a hint
the number is refused as ambiguous rather than guessed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

DecimalMark = Literal[".", ","]
MINUS_SIGNS: Final = "-\u2212\u2012\u2013\u2014\u2010\u2011\ufe63\uff0d"
PLUS_SIGNS: Final = "+\uff0b"
SIGNS: Final = PLUS_SIGNS + MINUS_SIGNS
INVISIBLE: Final = (
    "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\u2060\ufeff\u00ad"
)
SPACES: Final = " \u00a0\u202f\u2009\u2007\u2008\u200a\u2002\u2003\u2004\u2005\u2006\u205f\u3000"
GROUPING_ONLY: Final = SPACES + "'\u2019\u066c\u060c\u2e41"
ARABIC_DECIMAL: Final = "\u066b"
SEPARATORS: Final = GROUPING_ONLY + ".," + ARABIC_DECIMAL
_DROP: Final = str.maketrans(dict.fromkeys(INVISIBLE))
_SPLIT: Final = re.compile(rf"([{re.escape(SEPARATORS)}])")
Reason = Literal["not_a_number", "ambiguous", "bad_grouping", "two_decimal_marks"]


class NumberError(ValueError):
    """A printed number that cannot be read; `reason` says which rule it broke."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


@dataclass(frozen=True, slots=True)
class _Shape:
    negative: bool
    groups: tuple[str, ...]  # ASCII digit runs
    separators: tuple[str, ...]  # one between each two groups


def read_number(printed: str, hint: DecimalMark | None = None) -> Decimal:
    """The value of one printed number; `hint` decides a lone `.`/`,` before three digits.

    Raises NumberError (reason: not_a_number, ambiguous, bad_grouping, two_decimal_marks)."""
    shape = _shape(printed)
    mark = _decimal_index(shape, hint, printed)
    integer = shape.groups if mark is None else shape.groups[: mark + 1]
    _check_grouping(integer, shape.separators[: len(integer) - 1], printed)
    fraction = "" if mark is None else "." + shape.groups[mark + 1]
    value = Decimal("".join(integer) + fraction)
    return value.copy_negate() if shape.negative else value


@functools.lru_cache(maxsize=8192)
def decimal_mark_of(printed: str) -> DecimalMark | None:
    """What this number alone says the decimal mark is (`.` when it groups with `,`, and
    the other way round), or None when it does not tell or cannot be read."""
    try:
        shape = _shape(printed)
        index = _decimal_index(shape, None, printed)
    except NumberError:
        return None
    if index is not None:
        mark = shape.separators[index]
        return mark if mark in (".", ",") else None  # type: ignore[return-value]
    grouped = {s for s in shape.separators if s in ".,"}
    return "," if grouped == {"."} else "." if grouped == {","} else None


def page_decimal_mark(printed: Iterable[str]) -> DecimalMark | None:
    """The decimal mark every telling number in `printed` agrees on; None when none tells
    or they disagree."""
    marks = {mark for text in printed if (mark := decimal_mark_of(text)) is not None}
    return marks.pop() if len(marks) == 1 else None


def _shape(printed: str) -> _Shape:
    text = printed.translate(_DROP).strip(SPACES)
    negative = False
    if text[:1] and text[0] in SIGNS:
        negative = text[0] in MINUS_SIGNS
        text = text[1:].removeprefix(" ")
    parts = _SPLIT.split(text)
    groups = tuple(_ascii_digits(part, printed) for part in parts[::2])
    return _Shape(negative, groups, tuple(parts[1::2]))


def _ascii_digits(part: str, printed: str) -> str:
    if not part or not all(c.isdecimal() for c in part):
        raise NumberError("not_a_number", f"not a number: {printed!r}")
    if part.isascii():
        return part
    return "".join(str(unicodedata.decimal(c)) for c in part)


def _decimal_index(shape: _Shape, hint: DecimalMark | None, printed: str) -> int | None:
    """Index of the separator that is the decimal mark, or None for a whole number."""
    seps = shape.separators
    if not seps:
        return None
    last = len(seps) - 1
    mark = seps[last]
    if mark in GROUPING_ONLY:
        return None
    if mark in seps[:last]:
        if mark == ARABIC_DECIMAL:
            raise NumberError("two_decimal_marks", f"more than one decimal mark: {printed!r}")
        return None  # 1,234,567 and 1.234.567: grouping
    if mark == ARABIC_DECIMAL or last > 0 or len(shape.groups[-1]) != 3:
        return last  # a different separator before it, or not three digits after it
    if shape.groups[0] == "0":
        return last  # grouping never starts with 0: 0,123 is 0.123
    if hint is None:
        raise NumberError(
            "ambiguous",
            f"{printed!r}: {mark} before three digits may be a decimal mark or grouping, and"
            " nothing else in the ticker tells which (set the source's decimal_mark)",
        )
    return last if mark == hint else None


def _check_grouping(groups: tuple[str, ...], separators: tuple[str, ...], printed: str) -> None:
    """Groups of three after the first (1-3 digits, not 0), or Indian 2s before the last
    three; one grouping character throughout (any space counts as one)."""
    if len(groups) == 1:
        return
    kinds = {" " if s in SPACES else s for s in separators}
    first, *middle, final = groups
    bad = (
        len(kinds) != 1
        or not 1 <= len(first) <= 3
        or first == "0"
        or len(final) != 3
        or any(len(g) not in (2, 3) for g in middle)
        or len({len(g) for g in middle}) > 1
    )
    if bad:
        raise NumberError(
            "bad_grouping",
            f"digits not grouped in threes (or Indian 2s before the last three): {printed!r}",
        )
