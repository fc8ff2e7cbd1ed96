"""Entries whose numbers are printed the world's ways: read with the decimal mark the rest of
the ticker shows, refused with a reason when nothing tells, never dropped silently."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse import BUILTIN, parse_text

TIMESCA = BUILTIN["timesca"]


def marquee(*entries: str, copies: int = 3) -> str:
    return "\n".join(f"• {e}" for _ in range(copies) for e in entries) + "\n08 December 2025\n"


def test_the_other_entries_decide_what_a_comma_means() -> None:
    page = marquee("KGS/USD = 0.01144 -0.22%", "USD/UZS = 12,650 +0.12%")
    result = deduplicate(parse_text(page, "text/plain", TIMESCA).entries)
    assert {str(q.pair): str(q.rate) for q in result.rates} == {
        "KGS/USD": "0.01144",
        "USD/UZS": "12650",
    }


def test_with_comma_decimals_elsewhere_the_same_comma_is_a_decimal_mark() -> None:
    page = marquee("KGS/USD = 0,01144 -0,22%", "USD/KZT = 512,345 +0,12%")
    result = deduplicate(parse_text(page, "text/plain", TIMESCA).entries)
    assert str(result.rates[1].rate) == "512.345"


def test_an_entry_nothing_decides_is_unreadable_with_its_reason() -> None:
    page = marquee("USD/RUB = 80 0%", "USD/KZT = 512,345 0%")
    ticker = parse_text(page, "text/plain", TIMESCA)
    result = deduplicate(ticker.entries, ticker.unreadable)
    assert [str(q.pair) for q in result.rates] == ["USD/RUB"]
    (refused,) = result.unreadable
    assert refused.text == "USD/KZT = 512,345 0%"
    assert str(refused.pair) == "USD/KZT" and refused.reason == "ambiguous"
    assert result.unreadable_entries == 3  # one per copy of the marquee


def test_a_sources_decimal_mark_settles_what_the_page_cannot() -> None:
    page = marquee("USD/RUB = 80 0%", "USD/KZT = 512,345 0%")
    ticker = parse_text(page, "text/plain", TIMESCA, decimal_mark=",")
    assert ticker.unreadable == ()
    assert str(ticker.entries[1].rate) == "512.345"


def test_an_unreadable_entry_keeps_its_place_in_the_ticker() -> None:
    page = marquee("KGS/USD = 0.01144 0%", "TJS/USD = 0.0.1 0%", "KZT/USD = 0.00196 -0%")
    ticker = parse_text(page, "text/plain", TIMESCA)
    assert len(ticker.entries) == 6  # one ticker of 9, not three short runs
    assert {u.reason for u in ticker.unreadable} == {"bad_grouping"}
    assert ticker.context()[1].startswith("08 December 2025")


def test_a_ticker_whose_entries_all_fail_says_so() -> None:
    page = marquee("KGS/USD = 0.0.1 0%", "KZT/USD = 1,2,3 0%")
    with pytest.raises(ParseError, match="look like quotes but none can be read"):
        parse_text(page, "text/plain", TIMESCA)


def test_a_rate_of_zero_is_unreadable_not_dropped() -> None:
    page = marquee("KGS/USD = 0.01144 0%", "KZT/USD = 0.00000 0%")
    (refused,) = deduplicate([], parse_text(page, "text/plain", TIMESCA).unreadable).unreadable
    assert refused.reason == "out_of_range"


@pytest.mark.parametrize(
    "entry",
    [
        "USD/UZS = ١٢٬٦٥٠٫٥٠ +٠٫١٢٪",
        "USD/UZS = 12 650,50 +0,12 %",
        "USD/UZS = 12.650,50 +0,12%",
        "USD/UZS = 12'650.50 +0.12%",
        "USD/UZS = 12650.50 ‐ 0.12%",
    ],
)
def test_one_rate_in_many_conventions(entry: str) -> None:
    page = (
        marquee("KGS/USD = 0.01144 0%", entry)
        if "'" in entry or "‐" in entry
        else marquee("KGS/USD = 0,01144 0%", entry)
    )
    (_, uzs) = deduplicate(parse_text(page, "text/plain", TIMESCA).entries).rates
    assert uzs.rate == Decimal("12650.5")
    assert abs(uzs.change_pct) == Decimal("0.12")


@pytest.mark.parametrize(
    "odd",
    [
        "KZT/USD = 0.00196 n/a",
        "KZT/USD = 0.00196 ▼0.22%",
        "KZT/USD = 0.00196",
        "KZT/USD = 0.00196 -0.22‰",
    ],
)
@pytest.mark.parametrize("where", [0, 1, 2])
def test_an_entry_the_pattern_cannot_match_is_unreadable_and_keeps_the_ticker_whole(
    odd: str, where: int
) -> None:
    good = ["KGS/USD = 0.01144 -0.22%", "TJS/USD = 0.10899 0%", "UZS/USD = 0.00008 0%"]
    entries = [*good[:where], odd, *good[where:]]
    ticker = parse_text(marquee(*entries, copies=1), "text/plain", TIMESCA)
    assert [str(e.pair) for e in ticker.entries] == ["KGS/USD", "TJS/USD", "UZS/USD"]
    (refused,) = ticker.unreadable
    assert (refused.text, str(refused.pair), refused.reason) == (odd, "KZT/USD", "unmatched")


def test_a_pair_named_in_a_heading_next_to_the_ticker_is_not_an_entry() -> None:
    page = "USD/KZT exchange rates\n" + marquee("KGS/USD = 0.01144 0%", "KZT/USD = 0.00196 0%")
    assert parse_text(page, "text/plain", TIMESCA).unreadable == ()


@pytest.mark.parametrize(
    "entry", ["USD/UZS = 12 650%", "USD/UZS = 12 650 %", "USD/UZS = 12 650,00 %"]
)
def test_a_rate_and_change_that_could_be_one_grouped_number_are_refused(entry: str) -> None:
    ticker = parse_text(marquee("USD/KZT = 510.20 +0.1%", entry), "text/plain", TIMESCA)
    assert {str(e.pair) for e in ticker.entries} == {"USD/KZT"}
    (refused,) = {u.reason: u for u in ticker.unreadable}.values()
    assert refused.reason == "ambiguous" and "one grouped rate with no change" in refused.message


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("KGS/USD = 0.0000000000001 0%", "out_of_range"),
        ("KGS/USD = 1000000000000 0%", "out_of_range"),
        ("KGS/USD = 0.01144 1000000%", "out_of_range"),
    ],
)
def test_numbers_no_rate_or_change_can_be_are_refused(entry: str, reason: str) -> None:
    ticker = parse_text(marquee("KZT/USD = 0.00196 0%", entry), "text/plain", TIMESCA)
    assert {u.reason for u in ticker.unreadable} == {reason}


def test_with_pairs_set_the_whole_ticker_still_decides_the_decimal_mark() -> None:
    """The locator reads a region around the expected pairs; when a number there is read by
    what the other numbers show, the whole ticker decides, as without `pairs`."""
    flag = '<img src="/' + "x" * 300 + '.png">'
    items = ["USD/UZS = 12,650 +0%", "USD/KZT = 510 +0%", "EUR/RUB = 99 0%", "EUR/USD = 1.08 +0.1%"]
    body = "".join(f"<p>{flag}<b>{e}</b></p>" for e in items)
    page = f"<html><body><div>{body}</div></body></html>"
    with_pairs = parse_text(page, "text/html", TIMESCA, frozenset({"UZS", "KZT"}))
    without = parse_text(page, "text/html", TIMESCA)
    assert [(str(e.pair), e.rate) for e in with_pairs.entries] == [
        (str(e.pair), e.rate) for e in without.entries
    ]
    assert str(with_pairs.entries[0].rate) == "12650"
