"""History rows as OpenMetrics samples (tickerwatch.export)."""

from __future__ import annotations

import io
from decimal import Decimal

from tickerwatch.core.model import Pair
from tickerwatch.export import write_openmetrics
from tickerwatch.store.schema import HistoryRow

KZT = Pair("KZT", "USD")


def row(rate: str, first: float, last: float, change: str | None = "0") -> HistoryRow:
    pct = None if change is None else Decimal(change)
    return HistoryRow("timesca", KZT, Decimal(rate), pct, 5, first, last, imported=True)


def samples(rows: list[HistoryRow], **kw: float) -> list[tuple[str, float, int]]:
    out = io.StringIO()
    count = write_openmetrics(rows, out, kw.pop("since", 0), kw.pop("until", 1e9), **kw)
    lines = [x for x in out.getvalue().splitlines() if not x.startswith("#")]
    assert out.getvalue().endswith("# EOF\n") and count == len(lines)
    return [(x.split("{")[0], float(x.split()[1]), int(x.split()[2])) for x in lines]


def test_a_row_is_sampled_until_the_next_row_or_hold_past_its_last_sighting() -> None:
    rows = [row("0.00197", 1000, 1000), row("0.00196", 0, 200)]
    got = samples(rows, step=100, hold=150)
    rates = [(v, t) for name, v, t in got if name == "tickerwatch_exchange_rate"]
    assert rates == [(0.00196, 0), (0.00196, 100), (0.00196, 200), (0.00196, 300),
                     (0.00197, 1000), (0.00197, 1100)]  # fmt: skip
    ratios = [t for name, _, t in got if name.endswith("_source_change_ratio")]
    assert ratios == [t for _, t in rates]


def test_same_instant_rows_give_one_sample_per_time_and_the_range_clips() -> None:
    rows = [row("0.00196", 500, 500, None), row("0.00197", 500, 900, None)]
    got = samples(rows, step=100, hold=0, since=650, until=800)
    assert got == [("tickerwatch_exchange_rate", 0.00197, t) for t in (700, 800)]
