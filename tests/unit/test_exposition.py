"""Our per-source exposition parses back, in both formats, with prometheus_client's own
parsers; unchanged sources are not rendered again."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

import tickerwatch.metrics.exposition as exposition_module
from tickerwatch.core.model import Pair, PrintedRate
from tickerwatch.core.settings import Source
from tickerwatch.core.snapshot import Rate, SourceState
from tickerwatch.metrics.exposition import Exposition
from tickerwatch.metrics.ratelines import Memo
from tickerwatch.metrics.registry import Metrics

KZT = Pair("KZT", "USD")


def state(name: str = "timesca") -> SourceState:
    src = Source(
        name, "http://x/", "timesca", re.compile("x"), (KZT,), 60, 0, 10, 1, 7200, 86400, ("24h",)
    )
    s = SourceState(src, started_at=0.0, up=True, polls=3, last_success_at=100.0)
    quote = PrintedRate(KZT, Decimal("0.00196"), Decimal("-0"), 5, 8)
    s.rates[KZT] = Rate(name, quote, 100.0, 50.0, Decimal("0.00197"), {"24h": -0.005, "7d": 0.1})
    s.failures["timeout"] = 2
    s.durations.observe(0.02)
    s.conflict_counts[KZT] = 1
    return s


def samples(text: str, openmetrics: bool) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    parse = parse_openmetrics if openmetrics else parse_text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value for f in parse(text) for s in f.samples
    }


def test_text_and_openmetrics_parse_back_to_the_same_values() -> None:
    s = state()
    metrics = Metrics(lambda: [s], lambda: 200.0)
    text, text_type = metrics.render("")
    om, om_type = metrics.render("application/openmetrics-text; version=1.0.0")
    assert text_type.startswith("text/plain; version=0.0.4") and om_type.startswith(
        "application/openmetrics-text"
    )
    assert om.decode().endswith("# EOF\n")
    for body, openmetrics in ((text.decode(), False), (om.decode(), True)):
        got = samples(body, openmetrics)
        pair = (("base", "KZT"), ("quote", "USD"), ("source", "timesca"))
        assert got[("tickerwatch_exchange_rate", pair)] == 0.00196
        assert str(got[("tickerwatch_exchange_rate_source_change_ratio", pair)]) == "-0.0"
        assert got[("tickerwatch_exchange_rate_change_ratio", (*pair, ("window", "24h")))] == -0.005
        assert (
            "tickerwatch_exchange_rate_change_ratio",
            (*pair, ("window", "7d")),
        ) not in got  # not a metric window
        assert got[("tickerwatch_source_polls_total", (("source", "timesca"),))] == 3
        assert (
            got[
                (
                    "tickerwatch_source_poll_failures_total",
                    (("reason", "timeout"), ("source", "timesca")),
                )
            ]
            == 2
        )
        assert (
            got[
                (
                    "tickerwatch_source_poll_duration_seconds_bucket",
                    (("le", "0.025"), ("source", "timesca")),
                )
            ]
            == 1
        )
        assert got[("tickerwatch_ticker_conflicts_total", pair)] == 1


def test_a_feeds_rates_carry_their_effective_date_and_the_change_they_print() -> None:
    """NBK prints an absolute change (exported as a ratio to the rate before), NBKR none
    (no sample at all); both date their rates; a stale body is counted."""
    s = state("nbk")
    usd, kgs = Pair("USD", "KZT"), Pair("KGS", "KZT")
    nbk = PrintedRate(usd, Decimal("478.77"), None, 2, 1, change_abs=Decimal("-2.77"),
                      effective=1775001600.0)  # fmt: skip
    plain = PrintedRate(kgs, Decimal("5.47"), None, 2, 1, effective=1775001600.0)
    s.rates = {
        usd: Rate("nbk", nbk, 100.0, 50.0, None, {}),
        kgs: Rate("nbk", plain, 100.0, 50.0, None, {}),
    }
    s.stale_polls = 4
    for openmetrics in (False, True):
        body = Metrics(lambda: [s], lambda: 200.0).render(
            "application/openmetrics-text; version=1.0.0" if openmetrics else ""
        )[0]
        got = samples(body.decode(), openmetrics)
        usd_l = (("base", "USD"), ("quote", "KZT"), ("source", "nbk"))
        kgs_l = (("base", "KGS"), ("quote", "KZT"), ("source", "nbk"))
        assert got[("tickerwatch_exchange_rate_source_change_ratio", usd_l)] == pytest.approx(
            -2.77 / 481.54
        )
        assert ("tickerwatch_exchange_rate_source_change_ratio", kgs_l) not in got
        for labels in (usd_l, kgs_l):
            assert got[("tickerwatch_exchange_rate_effective_timestamp_seconds", labels)] == (
                1775001600.0
            )
        assert got[("tickerwatch_source_stale_polls_total", (("source", "nbk"),))] == 4
    ticker = samples(Metrics(lambda: [state()], lambda: 200.0).render("")[0].decode(), False)
    assert not any(name.endswith("_effective_timestamp_seconds") for name, _ in ticker)


def test_a_pair_past_drop_after_disappears() -> None:
    s = state()
    exposition = Exposition()
    assert "tickerwatch_exchange_rate{" in exposition.render([s], [], 200.0, False)
    assert "tickerwatch_exchange_rate{" not in exposition.render([s], [], 100.0 + 86400 + 1, False)


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the sources rendered, in order, from here on."""
    names: list[str] = []
    original = exposition_module._render_source

    def counting(st: SourceState, live: list[Rate], memo: Memo | None = None) -> list[str]:
        names.append(st.source.name)
        return original(st, live, memo)

    monkeypatch.setattr(exposition_module, "_render_source", counting)
    return names


def test_only_changed_sources_are_rendered_again(rendered: list[str]) -> None:
    a, b = state("a"), state("b")
    exposition = Exposition()
    exposition.render([a, b], [], 200.0, False)
    exposition.render([a, b], [], 201.0, False)
    b.changed()
    exposition.render([a, b], [], 202.0, False)
    assert rendered == ["a", "b", "b"]


def test_a_source_refreshed_after_its_poll_is_only_copied_by_the_scrape(
    rendered: list[str],
) -> None:
    a, b = state("a"), state("b")
    exposition = Exposition()
    first = exposition.render([a, b], [], 200.0, False)
    a.polls += 1
    a.changed()
    exposition.refresh(a, 201.0)  # what the poller does after a poll
    assert rendered == ["a", "b", "a"]
    second = exposition.render([a, b], [], 202.0, False)
    assert rendered == ["a", "b", "a"]  # the scrape rendered nothing
    assert second != first and 'tickerwatch_source_polls_total{source="a"} 4.0' in second


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.01144, "0.01144"), (8e-05, "8e-05"), (-0.0, "-0.0"), (3, "3.0"),
     (1795293391.75, "1795293391.75"), (float("inf"), "+Inf"), (float("-inf"), "-Inf"),
     (float("nan"), "NaN")],
)  # fmt: skip
def test_sample_values_are_written_as_prometheus_reads_them(value: float, text: str) -> None:
    assert exposition_module.sample_text(value) == text
    assert float(text) == value or value != value


def test_pair_lines_kept_from_the_last_render_give_what_a_fresh_render_gives() -> None:
    s, exposition = state(), Exposition()
    kgs = Pair("KGS", "USD")
    old = s.rates[KZT]
    moved = PrintedRate(KZT, Decimal("0.00198"), Decimal("0.5"), 5, 8)
    windows = old.window_changes  # the same dict: the other fields must tell the change
    steps = [
        lambda: old.seen(150.0),  # seen again: only the updated timestamp moves
        lambda: Rate("timesca", moved, 160.0, 160.0, Decimal("0.00196"), windows),
        lambda: Rate("timesca", moved, 170.0, 160.0, Decimal("0.00195"), windows),
        lambda: Rate("timesca", moved, 180.0, 175.0, Decimal("0.00195"), windows),
        lambda: Rate(
            "timesca",
            replace(moved, rate=Decimal("0.00199")),
            185.0,
            175.0,
            Decimal("0.00195"),
            windows,
        ),
        lambda: Rate("timesca", moved, 190.0, 175.0, Decimal("0.00195"), {"24h": 0.02}),
    ]
    for step in steps:
        s.rates[KZT] = step()
        s.changed()
        assert exposition.render([s], [], 200.0, False) == Exposition().render(
            [s], [], 200.0, False
        )
    s.rates[kgs] = Rate("timesca", PrintedRate(kgs, Decimal("0.01144"), None, 5, 1), 190.0, 1.0,
                        None, {})  # fmt: skip
    s.changed()
    assert exposition.render([s], [], 200.0, False) == Exposition().render([s], [], 200.0, False)
    del s.rates[kgs]
    s.changed()
    with_kgs = exposition.render([s], [], 200.0, False)
    assert with_kgs == Exposition().render([s], [], 200.0, False) and "KGS" not in with_kgs
