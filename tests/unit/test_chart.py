"""The landing page's charts: one point per history row, the printed precision as a band,
a reference as a dashed line; times as "5 min ago" with the UTC time on hover."""

from __future__ import annotations

import re
from decimal import Decimal

from tickerwatch.web.chart import Point, svg
from tickerwatch.web.landing import ago

DAY = 86400.0


def rows(*rates: str) -> list[Point]:
    return [Point(i * 3600.0, Decimal(r), Decimal("0.00001")) for i, r in enumerate(rates)]


def test_one_point_per_history_row_a_band_and_a_reference_line() -> None:
    drawn = svg(rows("0.01144", "0.01145", "0.01144"), 0.0, DAY, Decimal("0.011435"))
    assert drawn.count("<circle class=point") == 3
    assert drawn.count("<polygon class=band") == 1
    assert drawn.count("<line class=reference") == 1
    assert "<title>0.01145 from 1970-01-01T01:00:00Z</title>" in drawn


def test_the_points_rise_and_fall_with_the_rate() -> None:
    drawn = svg(rows("0.01144", "0.01146", "0.01142"), 0.0, DAY)
    ys = [float(y) for y in re.findall(r'class=point cx="[\d.]+" cy="([\d.]+)"', drawn)]
    assert ys[1] < ys[0] < ys[2]  # SVG's y grows downwards: higher rate, smaller y


def test_no_history_is_an_empty_chart_that_says_so() -> None:
    assert "no history yet" in svg([], 0.0, DAY)


def test_times_read_as_ago_with_the_utc_time_on_hover() -> None:
    assert ago(1000.0 - 300, 1000.0) == (
        '<time datetime="1970-01-01T00:11:40Z" title="1970-01-01T00:11:40Z">5 min ago</time>'
    )
    assert ">in 2 h<" in ago(1000.0 + 7200, 1000.0) and ">just now<" in ago(999.0, 1000.0)
    assert ago(None, 1000.0) == "<span class=muted>never</span>"
