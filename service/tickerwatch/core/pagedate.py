"""When a saved page was shown: the date it prints below its ticker, a date in its file
name, or a date given on the command line. Pure: no clock, no files.

timesca prints the day's date on the line right below the ticker (`08 December 2025`);
`page_date` looks for it within the few lines after the ticker block. Dates become 00:00 of
that day in the source's time zone, as feeds' effective dates do (core.dates.day_start).

A date that cannot be right is refused (`out_of_range`): before EARLIEST (1990-01-01, long
before any of these tickers or feeds), or after tomorrow in the source's time zone (feeds
publish the next day's rates; nothing publishes later ones).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Final

from tickerwatch.core.dates import zone

# How far below the ticker block the date line may stand (characters of page text).
BELOW: Final = 300
_MONTHS: Final = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH: Final = "|".join(m[:3] + f"(?:{m[3:]})?" if len(m) > 3 else m for m in _MONTHS)
# `08 December 2025`, `8 Dec 2025`, `December 8, 2025`
_DAY_MONTH_YEAR: Final = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR: Final = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I)
# 2025-12-08, 2025_12_08, 20251208 in a file name (not inside a longer number)
_ISO_IN_NAME: Final = re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)")


EARLIEST: Final = date(1990, 1, 1)


class DateError(ValueError):
    """A date given on the command line that cannot be read."""


def out_of_range(at: float, timezone: str, now: float) -> str | None:
    """Why a page dated `at` (Unix seconds) cannot be right, or None: before EARLIEST, or on
    a day after tomorrow — tomorrow counted from `now` (Unix seconds) in `timezone`."""
    today = datetime.fromtimestamp(now, zone(timezone)).date()
    if at < midnight(EARLIEST, timezone):
        return f"dated {_day(at, timezone)}, before {EARLIEST.isoformat()}: cannot be right"
    if at >= midnight(today + timedelta(days=2), timezone):
        tomorrow = (today + timedelta(days=1)).isoformat()
        return (
            f"dated {_day(at, timezone)}, after tomorrow ({tomorrow} in {timezone}):"
            " cannot be right"
        )
    return None


def _day(at: float, timezone: str) -> str:
    """The day `at` falls on in `timezone`, also when it is year 0 or 10000 in UTC."""
    try:
        return datetime.fromtimestamp(at, zone(timezone)).date().isoformat()
    except (ValueError, OverflowError, OSError):
        edge = datetime(1, 1, 2) if at < 0 else datetime(9999, 12, 30)
        offset = edge.replace(tzinfo=zone(timezone)).utcoffset() or timedelta(0)
        try:
            return (datetime(1970, 1, 1) + (timedelta(seconds=at) + offset)).date().isoformat()
        except OverflowError:
            return f"{at:.0f} (Unix seconds)"


def midnight(day: date, timezone: str) -> float:
    """00:00 of `day` in `timezone`, Unix seconds."""
    return datetime(day.year, day.month, day.day, tzinfo=zone(timezone)).timestamp()


def page_date(text: str, ticker_end: int, timezone: str) -> float | None:
    """The date printed just below the ticker (which ends at `ticker_end` in `text`), as
    00:00 of that day in `timezone`; None when there is none."""
    below = text[ticker_end : ticker_end + BELOW]
    found: list[tuple[int, date]] = []
    for match in _DAY_MONTH_YEAR.finditer(below):
        day = _date(match.group(3), match.group(2), match.group(1))
        if day is not None:
            found.append((match.start(), day))
    for match in _MONTH_DAY_YEAR.finditer(below):
        day = _date(match.group(3), match.group(1), match.group(2))
        if day is not None:
            found.append((match.start(), day))
    return midnight(min(found)[1], timezone) if found else None


def name_date(name: str, timezone: str) -> float | None:
    """A date in a file name (`timesca-2025-12-08-a.txt`, `20251208.html`), as 00:00 of that
    day in `timezone`; None when there is none or the digits are no date."""
    for match in _ISO_IN_NAME.finditer(name):
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
        return midnight(day, timezone)
    return None


def fixed_date(text: str, timezone: str) -> float:
    """A date (`2025-12-08` or `20251208`, 00:00 in `timezone`) or a time with its offset
    (`2025-12-08T10:00:00Z`, `t` and `z` too, as RFC 3339 allows); raises DateError."""
    try:
        if len(text) in (8, 10) and text.replace("-", "").isdigit():
            return midnight(date.fromisoformat(text), timezone)
        parsed = datetime.fromisoformat(re.sub("[zZ]$", "+00:00", text).replace("t", "T"))
    except ValueError:
        raise DateError(f"{text!r}: expected a date (2025-12-08) or an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise DateError(f"{text!r}: give a time zone (e.g. Z)")
    return parsed.timestamp()


def _date(year: str, month: str, day: str) -> date | None:
    number = next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(month.lower()[:3]))
    try:
        return date(int(year), number, int(day))
    except ValueError:
        return None
