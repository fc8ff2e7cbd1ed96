"""Every rule kind, rounding, and the alert state machine with an injected clock."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from tickerwatch.config import build
from tickerwatch.config.schema import AlertRuleSchema
from tickerwatch.core.alerts import AlertKey, AlertState, observe, step, windows_needed
from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.model import Conflict, Pair, PrintedRate, TickerEntry, decimals_of
from tickerwatch.core.settings import AlertRule, Source
from tickerwatch.core.snapshot import Rate, SourceState
from tickerwatch.notify.payloads import idempotency_key

KZT, UZS, TMT = Pair("KZT", "USD"), Pair("UZS", "USD"), Pair("TMT", "USD")


def rule(**kw: Any) -> AlertRule:
    """A rule as the config file would give it (the YAML keys), built into the domain."""
    return build.alert_rule(AlertRuleSchema.model_validate({"name": "Test", **kw}))


def source_state(
    *rates: tuple[Pair, str, str], then: dict[str, str] | None = None, now: float = 1000.0
) -> SourceState:
    src = Source(
        "timesca",
        "http://x/",
        "timesca",
        re.compile("x"),
        (KZT, UZS, TMT),
        60,
        0,
        10,
        1,
        7200,
        86400,
        ("24h",),
    )
    state = SourceState(src, started_at=0.0, up=True, polls=1)
    entries = []
    for pair, rate, change in rates:
        quote = PrintedRate(pair, Decimal(rate), Decimal(change), 5, 8)
        bases = {w: Decimal(v) for w, v in (then or {}).items()}
        state.rates[pair] = Rate("timesca", quote, now, now, None, {}, bases)
        entries.append(TickerEntry(pair, quote.rate, quote.change_pct, 0, 0))
    state.last_result = deduplicate(entries)
    return state


def active(r: AlertRule, state: SourceState, now: float = 1000.0) -> dict[str, bool]:
    return {o.key.pair or o.key.source: o.active for o in observe([r], [state], now)}


# ------------------------------------------------------------------ kinds


@pytest.mark.parametrize(
    ("cond", "rate", "fires"),
    [
        ({"above": "0.28500"}, "0.28510", True),
        ({"above": "0.28500"}, "0.28500", False),
        ({"below": "0.28400"}, "0.28390", True),
        ({"outside": ["0.2840", "0.2870"]}, "0.28490", False),
        ({"outside": ["0.2840", "0.2870"]}, "0.28710", True),
        ({"inside": ["0.2840", "0.2870"]}, "0.28490", True),
    ],
)
def test_rate_rules(cond: dict[str, Any], rate: str, fires: bool) -> None:
    state = source_state((TMT, rate, "0"))
    assert active(rule(pairs=["TMT/USD"], rate=cond), state) == {"TMT/USD": fires}


def test_strict_rounding_needs_every_consistent_value_past_the_threshold() -> None:
    # 0.28501 printed with 5 decimals may be 0.285005: not surely above 0.28501 - 0.000005.
    state = source_state((TMT, "0.28501", "0"))
    assert active(rule(rate={"above": "0.285006"}), state) == {"TMT/USD": False}
    assert active(rule(rate={"above": "0.285006"}, rounding="ignore"), state) == {"TMT/USD": True}
    assert active(rule(rate={"above": "0.285004"}), state) == {"TMT/USD": True}


def test_one_printed_step_of_uzs_is_no_5_percent_move_under_strict_rounding() -> None:
    state = source_state((UZS, "0.00009", "0"), then={"24h": "0.00008"})
    up5 = {"window": "24h", "above": "0.05"}
    assert active(rule(change=up5), state) == {"UZS/USD": False}
    assert active(rule(change=up5, rounding="ignore"), state) == {"UZS/USD": True}  # +12.5%


def test_change_rules_below_above_and_by() -> None:
    state = source_state((KZT, "0.00190", "-3.06"), then={"24h": "0.00200"})  # -5%
    assert active(rule(change={"window": "24h", "below": "-0.02"}), state) == {"KZT/USD": True}
    assert active(rule(change={"window": "24h", "above": "0.02"}), state) == {"KZT/USD": False}
    assert active(rule(change={"window": "24h", "by": "0.03"}), state) == {"KZT/USD": True}
    assert active(rule(change={"window": "24h", "by": "0.1"}), state) == {"KZT/USD": False}


def test_change_by_an_absolute_delta_allows_for_rounding() -> None:
    state = source_state((KZT, "0.00190", "0"), then={"24h": "0.00200"})  # moved 0.00010
    assert active(rule(change={"window": "24h", "delta": "0.00008"}), state) == {"KZT/USD": True}
    # 0.00010 printed may be as little as 0.00009 in truth
    assert active(rule(change={"window": "24h", "delta": "0.000095"}), state) == {"KZT/USD": False}
    ignore = rule(change={"window": "24h", "delta": "0.000095"}, rounding="ignore")
    assert active(ignore, state) == {"KZT/USD": True}


def test_change_without_history_that_far_back_is_inactive() -> None:
    state = source_state((KZT, "0.00190", "0"))
    assert active(rule(change={"window": "7d", "below": "-0.02"}), state) == {"KZT/USD": False}


def test_source_change_uses_the_printed_change_and_its_rounding() -> None:
    state = source_state((KZT, "0.00190", "-0.22"))
    assert active(rule(source_change={"below": "-0.002"}), state) == {"KZT/USD": True}
    assert active(rule(source_change={"below": "-0.00219"}), state) == {"KZT/USD": False}
    assert active(rule(source_change={"below": "-0.00219"}, rounding="ignore"), state) == {
        "KZT/USD": True
    }
    minus_zero = source_state((KZT, "0.00190", "-0"))
    assert active(rule(source_change={"below": "-0.001"}), minus_zero) == {"KZT/USD": False}


def test_stale_pairs() -> None:
    state = source_state((KZT, "0.00190", "0"), now=1000.0)
    assert active(rule(stale={"after": "1h"}), state, now=1000.0 + 3599) == {"KZT/USD": False}
    assert active(rule(stale={"after": "1h"}), state, now=1000.0 + 3601) == {"KZT/USD": True}


def test_source_down_only_after_a_failed_poll() -> None:
    state = source_state((KZT, "0.00190", "0"))
    assert active(rule(source_down={}), state) == {"timesca": False}
    state.up, state.last_reason = False, "timeout"
    (obs,) = observe([rule(source_down={})], [state], 0)
    assert obs.active and obs.value == "timeout" and obs.key == AlertKey("Test", "timesca")


def test_conflict_and_missing() -> None:
    state = source_state((KZT, "0.00190", "0"))
    state.conflicts = (Conflict(KZT, ("a", "b"), "a"),)
    assert active(rule(conflict={}), state) == {"KZT/USD": True}
    assert active(rule(missing={}), state) == {"KZT/USD": False, "UZS/USD": True, "TMT/USD": True}
    assert active(rule(missing={}, pairs=["UZS/USD"]), state) == {"UZS/USD": True}


def test_source_selector() -> None:
    state = source_state((KZT, "0.00190", "0"))
    with pytest.raises(ValueError, match="exactly one condition"):
        rule(pairs=["KZT/USD"])
    assert observe([rule(sources=["other"], rate={"above": "0"})], [state], 0) == []


def test_windows_needed_by_change_rules() -> None:
    assert windows_needed([rule(change={"window": "3d", "by": "0.1"}), rule(missing={})]) == {
        "3d": 259200.0
    }


# ------------------------------------------------------------------ state machine

BELOW = {
    "name": "KZTWeak",
    "pairs": ["KZT/USD"],
    "rate": {"below": "0.00195"},
    "for": "10m",
    "severity": "critical",
}


def run(
    r: AlertRule, rate: str, now: float, prev: dict[AlertKey, AlertState]
) -> tuple[dict[AlertKey, AlertState], list[str]]:
    state = source_state((KZT, rate, "0"), now=now)
    current, transitions = step([r], observe([r], [state], now), prev, now)
    return current, [f"{t.status}@{t.alert.key.pair}" for t in transitions]


def test_pending_then_firing_after_for_then_resolved() -> None:
    r = rule(**{**BELOW, "name": "Test"})
    s, out = run(r, "0.00190", 0, {})
    (alert,) = s.values()
    assert (alert.state, out) == ("pending", [])
    s, out = run(r, "0.00190", 599, s)
    assert (next(iter(s.values())).state, out) == ("pending", [])
    s, out = run(r, "0.00190", 600, s)
    alert = next(iter(s.values()))
    assert (alert.state, alert.fired_at, out) == ("firing", 600, ["firing@KZT/USD"])
    assert alert.labels == {
        "alertname": "Test",
        "severity": "critical",
        "source": "timesca",
        "base": "KZT",
        "quote": "USD",
        "pair": "KZT/USD",
    }
    assert alert.annotations["summary"] == "KZT/USD on timesca is 0.00190, below 0.00195"
    assert alert.annotations["value_fired"] == "0.00190"
    s, out = run(r, "0.00191", 700, s)
    assert out == [], "firing is announced once"
    assert next(iter(s.values())).annotations["value_fired"] == "0.00190"  # kept
    s, out = run(r, "0.00196", 800, s)
    alert = next(iter(s.values()))
    assert (alert.state, alert.resolved_at, out) == ("resolved", 800, ["resolved@KZT/USD"])
    # The resolve says the value now, and keeps the one it fired at.
    notes = alert.annotations
    assert (notes["value"], notes["resolved"], notes["value_fired"]) == (
        "0.00196", "back to 0.00196", "0.00190",
    )  # fmt: skip
    s, out = run(r, "0.00196", 800 + 24 * 3600 - 1, s)
    assert [a.state for a in s.values()] == ["resolved"]  # the landing page lists it a day
    s, out = run(r, "0.00196", 800 + 24 * 3600 + 1, s)
    assert (s, out) == ({}, [])


def test_pending_that_clears_is_dropped_silently() -> None:
    r = rule(**{**BELOW, "name": "Test"})
    s, _ = run(r, "0.00190", 0, {})
    s, out = run(r, "0.00196", 60, s)
    assert (s, out) == ({}, [])


def test_keep_firing_for_holds_the_alert_after_the_condition_clears() -> None:
    r = rule(**{**BELOW, "name": "Test", "for": "0s", "keep_firing_for": "5m"})
    s, out = run(r, "0.00190", 0, {})
    assert out == ["firing@KZT/USD"]
    s, out = run(r, "0.00196", 299, s)
    assert (next(iter(s.values())).state, out) == ("firing", [])
    s, out = run(r, "0.00196", 301, s)
    assert out == ["resolved@KZT/USD"]


def test_episodes_starting_in_one_millisecond_have_their_own_idempotency_keys() -> None:
    r = rule(**{**BELOW, "name": "Test", "for": "0s"})
    keys: list[str] = []
    s: dict[AlertKey, AlertState] = {}
    for rate, now in [("0.00190", 470), ("0.00196", 470), ("0.00190", 470), ("0.00196", 1070),
                      ("0.00190", 470)]:  # a wall clock stepped back 600 s  # fmt: skip
        state = source_state((KZT, rate, "0"), now=now)
        s, transitions = step([r], observe([r], [state], now), s, now)
        keys += [idempotency_key(t) for t in transitions]
    assert len(keys) == len(set(keys)) == 5
    assert [k.split("-", 1)[1] for k in keys] == [
        "firing-470000", "resolved-470000", "firing-470000-2", "resolved-470000-2",
        "firing-470000-3",
    ]  # fmt: skip


def test_a_removed_rule_resolves_its_firing_alerts() -> None:
    r = rule(**{**BELOW, "name": "Test", "for": "0s"})
    s, _ = run(r, "0.00190", 0, {})
    current, transitions = step([], [], s, 10)
    assert [t.status for t in transitions] == ["resolved"]
    assert next(iter(current.values())).state == "resolved"
    current, _ = step([], [], current, 10 + 24 * 3600 - 1)
    assert [a.state for a in current.values()] == ["resolved"]  # listed for a day
    current, transitions = step([], [], current, 10 + 24 * 3600 + 1)
    assert (current, transitions) == ({}, [])  # then forgotten, as a kept rule's


def test_templates_show_value_threshold_and_window() -> None:
    r = rule(
        change={"window": "24h", "below": "-0.02"},
        summary="{pair} {value} over {window} ({threshold})",
        description="for {for}",
    )
    state = source_state((KZT, "0.00190", "0"), then={"24h": "0.00200"})
    current, _ = step([r], observe([r], [state], 0), {}, 0)
    alert = next(iter(current.values()))
    assert alert.annotations["summary"] == "KZT/USD -5% over 24h (below -2%)"
    assert alert.annotations["description"] == "for 0s"


def reference_state(name: str, *rates: tuple[str, str]) -> SourceState:
    """A feed-like source printing FOREIGN/LOCAL rates."""
    src = replace(source_state().source, name=name, pairs=())
    state = SourceState(src, started_at=0.0, up=True, polls=1)
    for pair, rate in rates:
        p = Pair.parse(pair)
        quote = PrintedRate(p, Decimal(rate), Decimal(0), decimals_of(Decimal(rate)), 1)
        state.rates[p] = Rate(name, quote, 1000.0, 1000.0, None, {})
    return state


def deviation_states(tmt: str) -> list[SourceState]:
    ticker = source_state((TMT, tmt, "0"), (UZS, "0.00008", "0"))
    ticker = replace_source(ticker, references=("cbu",))
    cbu = reference_state("cbu", ("USD/UZS", "12194.21"), ("TMT/UZS", "4037.68"))
    return [ticker, cbu]


def replace_source(state: SourceState, **changes: Any) -> SourceState:
    state.source = replace(state.source, **changes)
    return state


def deviation_active(r: AlertRule, states: list[SourceState]) -> dict[str, bool]:
    return {o.key.pair: o.active for o in observe([r], states, 1000.0)}


def test_a_ticker_14_percent_off_the_official_cross_rate_fires() -> None:
    """CBU's 01.04.2026: TMT/UZS 4037.68 ÷ USD/UZS 12194.21 = 0.33112 USD per TMT."""
    states = deviation_states("0.28490")
    fired = deviation_active(rule(sources=["timesca"], deviation={"above": "0.05"}), states)
    assert fired == {"TMT/USD": True, "UZS/USD": False}  # UZS: within its ±6% rounding
    (obs,) = [o for o in observe([rule(deviation={"above": "0.05"})], states, 1000.0)
              if o.key.pair == "TMT/USD"]  # fmt: skip
    assert obs.value == "-13.96% vs cbu" and obs.threshold == "beyond ±5%"


def test_deviation_fires_either_way() -> None:
    above = deviation_states("0.37745")  # 14% above 0.33111
    below = deviation_states("0.28476")  # 14% below
    r = rule(sources=["timesca"], pairs=["TMT/USD"], deviation={"above": "0.13"})
    assert deviation_active(r, above) == deviation_active(r, below) == {"TMT/USD": True}


def test_deviation_within_rounding_never_fires_under_strict_rounding() -> None:
    """UZS/USD 0.00009 is 9.7% above 1/12194.21 as printed, yet 0.000085 is only 3.7%."""
    ticker = source_state((UZS, "0.00009", "0"))
    ticker = replace_source(ticker, references=("cbu",))
    cbu = reference_state("cbu", ("USD/UZS", "12194.21"))
    r = rule(sources=["timesca"], deviation={"above": "0.05"})
    assert deviation_active(r, [ticker, cbu]) == {"UZS/USD": False}
    # (rounding: ignore is refused for deviation rules: tests/fixtures/bad-configs)


def test_a_deviation_rule_may_narrow_the_references() -> None:
    states = deviation_states("0.28490")
    r = rule(
        sources=["timesca"], pairs=["TMT/USD"], deviation={"above": "0.05", "references": ["nbkr"]}
    )
    assert deviation_active(r, states) == {"TMT/USD": False}  # nbkr is not running here


def test_the_tickers_tmt_is_off_the_peg_by_a_quarter_percent_every_day() -> None:
    """README: timesca's TMT/USD 0.28490 is 1/3.51, 0.28% off the 3.5 peg."""
    ticker = replace_source(source_state((TMT, "0.28490", "0")), references=("cbt",))
    cbt = reference_state("cbt", ("USD/TMT", "3.5000"))
    quiet = rule(sources=["timesca"], deviation={"above": "0.005"})
    tight = rule(sources=["timesca"], deviation={"above": "0.002"})
    assert deviation_active(quiet, [ticker, cbt]) == {"TMT/USD": False}
    assert deviation_active(tight, [ticker, cbt]) == {"TMT/USD": True}


def feed_state(change_abs: str | None) -> SourceState:
    """CBU's TMT of 2026-04-01: 4037.68 UZS, up 108.25 from 3929.43 (+2.7549%)."""
    state = source_state()
    tmt = Pair("TMT", "UZS")
    absolute = None if change_abs is None else Decimal(change_abs)
    printed = PrintedRate(tmt, Decimal("4037.68"), None, 2, 1, change_abs=absolute)
    state.rates = {tmt: Rate("timesca", printed, 1000.0, 1000.0, None, {})}
    return state


def test_source_change_on_an_absolute_change_allows_for_both_rates_rounding() -> None:
    state = feed_state("108.25")
    assert active(rule(source_change={"above": "0.0275"}), state) == {"TMT/UZS": True}
    # 0.0275485 as printed; as little as 0.0275459 with the rate and the rate before rounded
    assert active(rule(source_change={"above": "0.02754"}), state) == {"TMT/UZS": True}
    assert active(rule(source_change={"above": "0.02755"}), state) == {"TMT/UZS": False}
    ignore = rule(source_change={"above": "0.027548"}, rounding="ignore")
    assert active(ignore, state) == {"TMT/UZS": True}
    assert active(rule(source_change={"above": "0.027548"}), state) == {"TMT/UZS": False}


def test_a_source_that_prints_no_change_never_meets_a_source_change_rule() -> None:
    state = feed_state(None)
    assert active(rule(source_change={"by": "0.0000001"}), state) == {"TMT/UZS": False}
    (obs,) = observe([rule(source_change={"by": "0.0000001"})], [state], 1000.0)
    assert obs.value == ""


def test_a_stale_reference_is_not_compared() -> None:
    """An official rate older than the reference's stale_after says nothing of today."""
    ticker, cbu = deviation_states("0.28490")
    cbu.last_success_at = 1000.0 - 7201  # stale_after 7200
    r = rule(sources=["timesca"], deviation={"above": "0.05"})
    assert deviation_active(r, [ticker, cbu]) == {"TMT/USD": False, "UZS/USD": False}
    assert ticker.deviations({"cbu": cbu}, 1000.0) == []
