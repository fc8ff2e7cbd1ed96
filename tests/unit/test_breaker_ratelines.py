"""The breaker's attacks on pair lines remembered by what they show (metrics.ratelines'
Memo, metrics.exposition's per-source cache): whatever happens between two scrapes,
/metrics equals a fresh render, in both formats."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from test_exposition import KZT, state

from tickerwatch.core.model import Pair, PrintedRate
from tickerwatch.core.snapshot import Rate, SourceState
from tickerwatch.metrics.exposition import Exposition

KGS = Pair("KGS", "USD")
PRINTED = [
    PrintedRate(KZT, Decimal("0.00196"), Decimal("-0"), 5, 8),
    PrintedRate(KZT, Decimal("0.00197"), Decimal("0.5"), 5, 8),
    PrintedRate(KZT, Decimal("0.001960"), Decimal("0"), 6, 8),
    PrintedRate(KGS, Decimal("0.01144"), None, 5, 1, effective=86400.0),
]
WINDOW_DICTS = [{"24h": -0.005, "7d": 0.1}, {"24h": 0.02}, {}]


def fresh(s: SourceState, now: float, openmetrics: bool) -> str:
    return Exposition().render([s], [], now, openmetrics)


# One step between two scrapes: (what, printed index, previous, changed_at, windows index)
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["set", "set", "seen", "drop", "windows", "rename"]),
        st.integers(0, len(PRINTED) - 1),
        st.sampled_from([None, Decimal("0.00195"), Decimal("0.001950"), Decimal("0.00196")]),
        st.sampled_from([50.0, 60.0]),
        st.integers(0, len(WINDOW_DICTS) - 1),
    ),
    max_size=10,
)


@settings(max_examples=60, deadline=None)
@given(STEPS, st.booleans())
def test_kept_lines_equal_a_fresh_render_whatever_happens_between_scrapes(
    steps: list[tuple[str, int, Decimal | None, float, int]], openmetrics: bool
) -> None:
    s, exposition, now = state(), Exposition(), 200.0
    for what, i, previous, changed_at, w in steps:
        printed = PRINTED[i]
        if what == "set":  # a poll: objects reused from earlier polls where they can be
            s.rates[printed.pair] = Rate("timesca", printed, now, changed_at, previous,
                                         WINDOW_DICTS[w])  # fmt: skip
        elif what == "seen" and printed.pair in s.rates:
            s.rates[printed.pair] = s.rates[printed.pair].seen(now)
        elif what == "drop":
            s.rates.pop(printed.pair, None)
        elif what == "windows":  # a reload: a new Source, the state kept
            s.source = replace(s.source, windows=(("24h",), ("7d",), ())[w])
        elif what == "rename":
            s = replace(s, source=replace(s.source, name=f"timesca{w}"))
        s.changed()
        now += 1
        assert exposition.render([s], [], now, openmetrics) == fresh(s, now, openmetrics)


def test_a_reload_that_changes_a_sources_windows_shows_at_the_next_scrape() -> None:
    s, exposition = state(), Exposition()
    assert 'window="24h"' in exposition.render([s], [], 200.0, False)
    s.source = replace(s.source, windows=("7d",))  # what Service._swap does on a reload
    assert exposition.render([s], [], 201.0, False) == fresh(s, 201.0, False)
