"""Cross-checks with the real numbers: the timesca ticker against the central banks' feeds,
honest about what the printed digits can tell."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tickerwatch.core.crosscheck import deviations, reference_for
from tickerwatch.core.model import Pair, PrintedRate, decimals_of


def printed(pair: str, rate: str) -> PrintedRate:
    value = Decimal(rate)
    return PrintedRate(Pair.parse(pair), value, Decimal(0), decimals_of(value), 1)


def book(*rates: PrintedRate) -> dict[Pair, PrintedRate]:
    return {r.pair: r for r in rates}


NBKR = book(printed("USD/KGS", "87.4500"), printed("KZT/KGS", "0.1859"))  # 24.05.2026
CBU = book(  # 01.04.2026: TMT at 4037.68 is the day's real anomaly (3.02 TMT/USD)
    printed("USD/UZS", "12194.21"),
    printed("KGS/UZS", "139.40"),
    printed("TMT/UZS", "4037.68"),
)
CBT = book(printed("USD/TMT", "3.5000"))  # the peg, as precise as the feed prints its rates


def one(source: PrintedRate, reference: dict[Pair, PrintedRate]):  # type: ignore[no-untyped-def]
    (found,) = deviations("timesca", [source], {"ref": reference})
    return found


def test_kgs_against_nbkr_agrees_within_rounding() -> None:
    d = one(printed("KGS/USD", "0.01144"), NBKR)  # 1 / 87.45 = 0.0114351…
    assert d.value.how == "inverted"
    assert d.within_rounding and d.reported == 0.0
    assert d.low < 0 < d.high
    assert d.ratio == pytest.approx(0.01144 * 87.45 - 1)


def test_tmt_against_cbu_is_14_percent_below_a_cross_through_uzs() -> None:
    d = one(printed("TMT/USD", "0.28490"), CBU)
    assert (d.value.how, d.value.via) == ("cross", "UZS")
    assert float(d.value.span.value) == pytest.approx(4037.68 / 12194.21)
    assert d.reported == pytest.approx(0.28490 / (4037.68 / 12194.21) - 1)
    assert d.reported == pytest.approx(-0.1396, abs=1e-4)
    assert d.least == pytest.approx(abs(d.high))  # the smallest size the digits allow


def test_uzs_at_five_decimals_cannot_tell_six_percent() -> None:
    """UZS/USD 0.00008 stands for 0.000075–0.000085: 11,765–13,333 UZS per USD."""
    d = one(printed("UZS/USD", "0.00008"), CBU)
    assert d.value.how == "inverted"
    assert d.within_rounding
    assert d.low < -0.08 and d.high > 0.03


def test_timesca_tmt_is_a_quarter_percent_off_the_peg() -> None:
    """timesca prints 1/3.51 = 0.28490; the peg is 3.5 TMT per USD = 0.285714 USD."""
    d = one(printed("TMT/USD", "0.28490"), CBT)
    assert not d.within_rounding
    assert d.reported == pytest.approx(0.28490 * 3.5 - 1)  # -0.285%
    assert -0.0029 < d.low < d.high < -0.0028


def test_a_pair_the_reference_prints_is_read_directly() -> None:
    d = one(printed("USD/KGS", "87.45"), NBKR)
    assert d.value.how == "direct" and d.within_rounding


def test_a_reference_that_cannot_value_the_pair_gives_no_deviation() -> None:
    assert reference_for(Pair("TJS", "USD"), NBKR) is None
    assert deviations("timesca", [printed("TJS/USD", "0.10899")], {"nbkr": NBKR}) == []


def test_a_deviation_either_way_has_the_same_least_size() -> None:
    ref = book(printed("USD/TMT", "3.500"))
    above = one(printed("TMT/USD", "0.32571"), ref)  # 14% above 0.285714
    below = one(printed("TMT/USD", "0.24571"), ref)  # 14% below
    assert above.least == pytest.approx(below.least, rel=1e-3)
