"""A source's days: dated URLs, and the dates feeds print. Pure: `now` is passed in.

A source URL may name the poll's date with strftime placeholders, filled in the source's
time zone: `https://cbt.tm/kurs/%Y/%d%m%Y.xml`. Only PLACEHOLDERS expand and `%%` writes a
`%`; every other `%` stays as written, so percent-encoding (`%2F`, `%D0%B0`) keeps working.
A lower-case percent-encoded byte that reads as a placeholder (`%d0`, `%b1`) must be
written `%%d0` — or upper-case, as RFC 3986 recommends.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import Final

PLACEHOLDERS: Final = "YmdHMjyb"
_PLACEHOLDER: Final = re.compile(f"%([{PLACEHOLDERS}%])")


@functools.lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The IANA time zone `name` (the config checked it exists)."""
    return zoneinfo.ZoneInfo(name)


def is_dated(template: str) -> bool:
    """Whether a URL holds a placeholder that expands to the date."""
    return any(m.group(1) != "%" for m in _PLACEHOLDER.finditer(template))


def dated_url(template: str, now: float, timezone: str) -> str:
    """`template` with its placeholders filled with `now` (Unix seconds) in `timezone`:
    `…/%Y/%d%m%Y.xml` at 2026-05-20 09:00 in Asia/Ashgabat → `…/2026/20052026.xml`. Months
    (`%b`) are English abbreviations, as in the C locale."""
    if "%" not in template:
        return template
    when = datetime.fromtimestamp(now, zone(timezone))

    def fill(match: re.Match[str]) -> str:
        code = match.group(1)
        return "%" if code == "%" else when.strftime(f"%{code}")

    return _PLACEHOLDER.sub(fill, template)


class DateError(ValueError):
    """A printed date that does not read with the expected format."""


@functools.lru_cache(maxsize=1024)
def day_start(printed: str, date_format: str, timezone: str) -> float:
    """00:00 of the day `printed` names, in `timezone`, as Unix seconds: `24.05.2026` with
    `%d.%m.%Y` in Asia/Bishkek → 1779559200.0. `date_format` "rfc822" reads an RSS
    `pubDate` (`Wed, 01 Apr 2026 00:00:00 +0500`) by its calendar day. Raises DateError.
    Cached: a feed prints one date for all its entries, poll after poll."""
    text = printed.strip()
    try:
        if date_format == "rfc822":
            day = parsedate_to_datetime(text).date()
        else:
            day = datetime.strptime(text, date_format).date()
    except (ValueError, TypeError, IndexError) as exc:
        raise DateError(f"{printed!r} is not a date of the form {date_format}") from exc
    return datetime(day.year, day.month, day.day, tzinfo=zone(timezone)).timestamp()
