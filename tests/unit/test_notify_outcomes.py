"""How a receiver's answer is taken, and how long a retry waits. Pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from tickerwatch.core.units import parse_retry_after
from tickerwatch.notify.base import retry_delay
from tickerwatch.notify.http import outcome_of


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (200, None), (202, None), (204, None),
        (301, "redirect"), (302, "redirect"), (303, "redirect"), (307, "redirect"),
        (308, "redirect"),
        (400, "rejected"), (401, "rejected"), (403, "rejected"), (404, "rejected"),
        (413, "rejected"), (422, "rejected"),
        (408, "http_status"), (429, "http_status"), (500, "http_status"), (503, "http_status"),
    ],
)  # fmt: skip
def test_each_status_is_taken_for_what_it_means(status: int, failure: str | None) -> None:
    outcome = outcome_of(status)
    assert outcome.failure == failure and outcome.detail == f"HTTP {status}"
    assert outcome.permanent == (failure == "rejected")


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert outcome_of(429, "120").retry_after == 120
    assert outcome_of(503, "¹²").retry_after is None
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()
    date = format_datetime(datetime(2026, 11, 29, 12, 1, 30, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(date, now=now) == 90
    assert parse_retry_after("yesterday", now=now) is None
    assert parse_retry_after("Mon, 01 Jan 99999999999 00:00:00 GMT", now=now) is None


def test_retries_back_off_up_to_the_cap_and_wait_for_retry_after() -> None:
    for attempts, most in [(1, 1), (2, 2), (3, 4), (10, 60)]:
        delay = retry_delay(attempts, cap=60)
        assert most / 2 <= delay <= most
    assert retry_delay(1, cap=60, retry_after=30) == 30
    assert retry_delay(1, cap=10, retry_after=3600) == 10
