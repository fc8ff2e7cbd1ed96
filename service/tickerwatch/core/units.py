"""Units as people write and read them: durations (30s, 5m, 2h, 7d, 1h30m) and sizes (5MiB)
in config, ASCII whole numbers, RFC 3339 times, Retry-After headers, and the one backoff."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final, Literal

_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_DURATION_UNITS: Final = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "y": 365 * 86400,
}
MAX_DURATION: Final = 100 * 365 * 86400.0  # far beyond any use; datetime overflows later
_SIZE: Final = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?")
_SIZE_UNITS: Final = {
    None: 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
}


def parse_duration(text: object) -> float:
    """Seconds in a duration such as 30s, 5m, 2h, 7d or 1h30m (at most 100y); raises
    ValueError."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"expected a duration such as 30s, 5m, 2h or 7d, got {text!r}")
    cleaned = text.strip()
    parts = list(_DURATION_PART.finditer(cleaned))
    if not parts or "".join(p.group(0) for p in parts) != cleaned:
        raise ValueError(f"expected a duration such as 30s, 5m, 2h or 7d, got {text!r}")
    seconds = sum(float(p.group(1)) * _DURATION_UNITS[p.group(2)] for p in parts)
    if seconds > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than any schedule can use (at most 100y)")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest exact spelling: 300 → 5m, 93600 → 1d2h, 0.5 → 500ms."""
    if 0 < seconds < 1:
        return f"{round(seconds * 1000)}ms"
    out = []
    rest = round(seconds)
    for unit in ("d", "h", "m", "s"):
        size = int(_DURATION_UNITS[unit])
        count, rest = divmod(rest, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out) or "0s"


def parse_size(text: object) -> int:
    """Bytes in a size such as 5MiB, 512KiB or 1000000; raises ValueError."""
    if isinstance(text, int) and not isinstance(text, bool) and text >= 0:
        return text
    match = _SIZE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a size such as 512KiB or 5MiB, got {text!r}")
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2)])


def is_number(text: str) -> bool:
    """ASCII digits only. str.isdigit() also accepts "¹" and "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds, or an HTTP date compared
    with `now`, Unix seconds); None when it is absent or unusable (a date out of range,
    text that is neither). Never raises."""
    if not value:
        return None
    value = value.strip()
    if is_number(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return max(0.0, when - now)


# The times RFC 3339 can write (years 0001 to 9999), as Unix seconds.
FIRST_TIME: Final = datetime(1, 1, 1, tzinfo=UTC).timestamp()
LAST_TIME: Final = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


def rfc3339(ts: float, timespec: Literal["seconds", "milliseconds"] = "seconds") -> str:
    """Unix seconds as an RFC 3339 UTC time: 2025-12-08T10:00:00Z (or …00.000Z). A time
    outside years 0001–9999 (a stored row dated from a bad page) is clamped to the nearest
    one RFC 3339 can write, so a view never fails on it; NaN reads as the first."""
    clamped = min(max(ts, FIRST_TIME), LAST_TIME) if ts == ts else FIRST_TIME
    when = datetime.fromtimestamp(clamped, UTC)
    return when.isoformat(timespec=timespec).replace("+00:00", "Z")


def backoff(failures: int, first: float, cap: float, jitter: float = 1.0) -> float:
    """Seconds to wait after `failures` failures in a row (1, 2, 3 …): `first`, doubled
    after each, at most `cap`, times `jitter` (a random factor the caller draws; 1.0 for
    none). The one backoff of fetch retries, notification retries and crash pauses."""
    return min(cap, first * 2.0 ** max(0, failures - 1)) * jitter
