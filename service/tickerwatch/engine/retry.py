"""Polling again sooner after a failed poll: 5 s after the first failure in a row, doubled
after each, at most the source's interval, and only while that is before the next
scheduled poll (with the poll's timeout to spare, so a retry never overlaps it). A source
that stays down costs a few extra polls per failure streak, then waits for its schedule."""

from __future__ import annotations

from typing import Final

from tickerwatch.core.settings import Source
from tickerwatch.core.units import backoff

RETRY_FIRST: Final = 5.0  # seconds after the first failure in a row


def retry_at(source: Source, failures: int, now: float, next_poll: float | None) -> float | None:
    """When to poll `source` again (Unix seconds) after `failures` failed polls in a row,
    or None to wait for `next_poll`, the scheduled one (None: not scheduled)."""
    if failures <= 0 or next_poll is None:
        return None
    at = now + backoff(failures, RETRY_FIRST, source.interval)
    return at if at + source.timeout < next_poll else None
