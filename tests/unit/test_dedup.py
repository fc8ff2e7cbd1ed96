from __future__ import annotations

from decimal import Decimal

from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.model import Pair, TickerEntry
from tickerwatch.core.parse import BUILTIN
from tickerwatch.core.parse.ticker import find_ticker

KZT = Pair("KZT", "USD")
KGS = Pair("KGS", "USD")


def entry(pair: Pair, rate: str, change: str = "0") -> TickerEntry:
    return TickerEntry(pair, Decimal(rate), Decimal(change), 0, 0)


def test_repeats_collapse_to_one_quote_per_pair_in_first_seen_order() -> None:
    result = deduplicate([entry(KZT, "0.00196"), entry(KGS, "0.01144")] * 8)
    assert [(str(q.pair), q.copies) for q in result.rates] == [("KZT/USD", 8), ("KGS/USD", 8)]
    assert result.entries == 16
    assert result.conflicts == ()


def test_disagreeing_copies_keep_the_majority_value_and_report_a_conflict() -> None:
    copies = [entry(KZT, "0.00196")] * 2 + [entry(KZT, "0.00197")] * 5 + [entry(KGS, "0.01144")]
    result = deduplicate(copies)
    assert str(result.rates[0].rate) == "0.00197"
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert conflict.pair == KZT
    assert conflict.chosen == "0.00197 0%"
    assert conflict.values == ("0.00196 0% ×2", "0.00197 0% ×5")


def test_a_tie_goes_to_the_value_seen_first() -> None:
    result = deduplicate(
        [entry(KZT, "0.00198"), entry(KZT, "0.00196"), entry(KZT, "0.00196"), entry(KZT, "0.00198")]
    )
    assert str(result.rates[0].rate) == "0.00198"
    assert result.conflicts[0].chosen == "0.00198 0%"


def test_minus_zero_and_zero_change_disagree() -> None:
    result = deduplicate([entry(KZT, "0.00196", "-0")] * 3 + [entry(KZT, "0.00196", "0")])
    assert str(result.rates[0].change_pct) == "-0"
    assert len(result.conflicts) == 1


def test_no_entries_no_quotes() -> None:
    assert deduplicate([]).rates == ()


def test_a_marquee_read_by_the_parser_collapses_with_its_conflicts() -> None:
    # The parser hands equal printed text the same objects (dedup's fast path); a copy
    # that differs must still be caught.
    loop = "KZT/USD = 0.00196 -0% KGS/USD = 0.01144 0% "
    text = loop * 3 + "KZT/USD = 0.00196 0% KGS/USD = 0.01144 0%"
    result = deduplicate(find_ticker(text, BUILTIN["timesca"]).entries)
    assert [(str(q.pair), str(q.change_pct), q.copies) for q in result.rates] == [
        ("KZT/USD", "-0", 4),
        ("KGS/USD", "0", 4),
    ]
    assert [c.pair for c in result.conflicts] == [KZT]
