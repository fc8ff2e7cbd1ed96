from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tickerwatch.core.settings import Source
from tickerwatch.core.snapshot import SourceState, inverse
from tickerwatch.web.health import overall


@pytest.mark.parametrize(
    ("rate", "shown", "low", "high"),
    [
        ("0.01144", "87.41", "87.374", "87.451"),
        ("0.00196", "510", "508.91", "511.51"),
        ("0.00008", "12500", "11764.7", "13333.3"),  # exact in 3 digits: not 1E+4, not 12000
        ("0.28490", "3.5100", "3.50994", "3.51007"),
    ],
)
def test_inverse_shows_only_the_precision_the_source_allows(
    rate: str, shown: str, low: str, high: str
) -> None:
    value, lo, hi = inverse(Decimal(rate), 5)
    assert (format(value, "f"), format(lo, "f"), format(hi, "f")) == (shown, low, high)
    assert lo <= value <= hi


def source(name: str, stale_after: float = 100.0) -> Source:
    return Source(
        name, "http://x/", "timesca", re.compile("x"), (), 60, 0, 10, 1000, stale_after, 1000, ()
    )


def test_health_ok_degraded_failing() -> None:
    a, b = SourceState(source("a"), started_at=0.0), SourceState(source("b"), started_at=0.0)
    a.up = b.up = True
    a.last_success_at = b.last_success_at = 50.0
    assert overall([a, b], now=60.0) == "ok"
    b.up = False
    assert overall([a, b], now=60.0) == "degraded"
    assert overall([a, b], now=200.0) == "failing"  # every source stale


def test_a_source_that_never_succeeded_is_stale_only_after_stale_after() -> None:
    state = SourceState(source("a", stale_after=100), started_at=1000.0)
    assert not state.stale(1050.0)
    assert state.stale(1101.0)


def test_the_bounds_of_a_precise_inverse_differ_and_hold_it() -> None:
    """NBKR's USD/KGS 87.4500: its inverse's range was shown as 0.011435–0.011435."""
    value, lo, hi = inverse(Decimal("87.4500"), 4)
    assert (format(value, "f"), format(lo, "f"), format(hi, "f")) == (
        "0.0114351", "0.01143510", "0.01143511",
    )  # fmt: skip
