"""`tickerwatch export --openmetrics`: the history as OpenMetrics text with timestamps, the
input of `promtool tsdb create-blocks-from openmetrics`, so Prometheus (and Grafana) show
rates from before it scraped tickerwatch — imported pages included.

History is run-length; Prometheus needs samples. Each row becomes a sample every `step`
seconds from its first sighting until the next row of its pair starts, and at most `hold`
seconds past its last sighting (a page seen once, on one day, shows for `hold`). `step` must
stay below Prometheus' lookback delta (5 minutes) for a query between samples to find one.
Series and names are those of /metrics: `tickerwatch_exchange_rate{source, base, quote}` and
`tickerwatch_exchange_rate_source_change_ratio`, so dashboards show the past unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from itertools import groupby
from typing import Final, TextIO

from tickerwatch.store.schema import HistoryRow

DEFAULT_STEP: Final = 240.0
LOOKBACK: Final = 300.0  # Prometheus' lookback delta: `step` must stay below it
DEFAULT_HOLD: Final = 86400.0
RATE: Final = "tickerwatch_exchange_rate"
FAMILIES: Final[tuple[tuple[str, str, Callable[[HistoryRow], Decimal | None]], ...]] = (
    (RATE, "Units of quote per one unit of base, as printed.", lambda r: r.rate),
    (
        f"{RATE}_source_change_ratio",
        "The change the source itself prints, as a ratio (-0.22% is -0.0022).",
        lambda r: r.printed.change_ratio,
    ),
)


def write_openmetrics(
    rows: Sequence[HistoryRow],
    out: TextIO,
    since: float,
    until: float,
    step: float = DEFAULT_STEP,
    hold: float = DEFAULT_HOLD,
) -> int:
    """Write `rows` (any order) as OpenMetrics samples between `since` and `until` (Unix
    seconds), families one after the other, each series' samples in time order, ending with
    `# EOF`. Returns the number of samples."""
    if step <= 0:
        raise ValueError("step must be positive")
    ordered = sorted(rows, key=lambda r: (r.source, r.pair.base, r.pair.quote, r.first_seen))
    count = 0
    for name, help_text, value_of in FAMILIES:
        out.write(f"# HELP {name} {help_text}\n# TYPE {name} gauge\n")
        for _, series in groupby(ordered, key=lambda r: (r.source, r.pair)):
            for at, row in _samples(list(series), since, until, step, hold):
                value = value_of(row)
                if value is None:
                    continue
                labels = (
                    f'base="{row.pair.base}",quote="{row.pair.quote}",source="{_esc(row.source)}"'
                )
                out.write(f"{name}{{{labels}}} {float(value)!r} {_time(at)}\n")
                count += 1
    out.write("# EOF\n")
    return count


def _samples(
    rows: list[HistoryRow], since: float, until: float, step: float, hold: float
) -> Iterator[tuple[float, HistoryRow]]:
    """(time, row) for one series' rows in time order; strictly increasing times."""
    last_at = float("-inf")
    for i, row in enumerate(rows):
        nxt = rows[i + 1].first_seen if i + 1 < len(rows) else None
        stop = min(row.last_seen + hold, until)
        at = row.first_seen
        if at < since:  # start on the row's step grid, at or after `since`
            at += -(-(since - at) // step) * step
        while at <= stop and (nxt is None or at < nxt):
            if at > last_at:
                yield at, row
                last_at = at
            at += step


def _time(at: float) -> str:
    return str(int(at)) if at == int(at) else repr(at)


def _esc(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
