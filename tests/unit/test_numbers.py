"""Numbers as people print them: one reader for every convention, and ambiguity refused
with a reason rather than guessed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tickerwatch.core.parse.number import (
    DecimalMark,
    NumberError,
    decimal_mark_of,
    page_decimal_mark,
    read_number,
)


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("0.01144", "0.01144"),
        ("0,01144", "0.01144"),
        ("12 650,00", "12650.00"),
        ("12\u00a0650,00", "12650.00"),
        ("12\u202f650,00", "12650.00"),
        ("12\u2009650.5", "12650.5"),
        ("12,650.50", "12650.50"),
        ("12.650,50", "12650.50"),
        ("12'650.50", "12650.50"),
        ("12\u2019650.50", "12650.50"),
        ("1,234,567", "1234567"),
        ("1.234.567", "1234567"),
        ("12,34,567.89", "1234567.89"),
        ("+0.12", "0.12"),
        ("\u200e-0.22", "-0.22"),
        ("-\u200e0.22", "-0.22"),
        ("\u061c-0.22", "-0.22"),
        ("\u2212 0.22", "-0.22"),
        ("\u20100.22", "-0.22"),
        ("\u20110.22", "-0.22"),
        ("\u20120.22", "-0.22"),
        ("\u20130.22", "-0.22"),
        ("\u20140.22", "-0.22"),
        ("\ufe630.22", "-0.22"),
        ("\uff0d0.22", "-0.22"),
        ("\u0660\u066b\u0660\u0661\u0661\u0664\u0664", "0.01144"),
        ("\u0661\u0662\u066c\u0666\u0665\u0660\u066b\u0665", "12650.5"),
        ("\u06f1\u06f2\u066c\u06f6\u06f5\u06f0", "12650"),
        ("\u0967\u0968,\u096c\u096b\u0966.\u096b", "12650.5"),
        ("0", "0"),
        ("  42  ", "42"),
    ],
)
def test_every_convention_reads_the_same_number(printed: str, value: str) -> None:
    assert read_number(printed) == Decimal(value)


def test_minus_zero_keeps_its_sign() -> None:
    assert str(read_number("-0")) == "-0"
    assert str(read_number("\u22120.00")) == "-0.00"


@pytest.mark.parametrize(
    ("printed", "hint", "value"),
    [
        ("12,650", ".", "12650"),
        ("12,650", ",", "12.650"),
        ("1.234", ",", "1234"),
        ("1.234", ".", "1.234"),
        ("0,650", ".", "0.650"),  # a leading 0 is never grouping, whatever the page says
        ("12,6500", ".", "12.6500"),  # four digits after the mark: never grouping
    ],
)
def test_a_lone_mark_before_three_digits_is_decided_by_the_hint(
    printed: str, hint: DecimalMark, value: str
) -> None:
    assert read_number(printed, hint) == Decimal(value)


@pytest.mark.parametrize(
    ("printed", "reason"),
    [
        ("12,650", "ambiguous"),
        ("1.234", "ambiguous"),
        ("0.0.1", "bad_grouping"),
        ("1,2,3", "bad_grouping"),
        ("1,234.567.8", "bad_grouping"),
        ("12 650,000 5", "bad_grouping"),
        ("12,650 000", "bad_grouping"),
        ("1\u066b2\u066b3", "two_decimal_marks"),
        ("1e5", "not_a_number"),
        ("NaN", "not_a_number"),
        ("", "not_a_number"),
        ("-", "not_a_number"),
        ("12..5", "not_a_number"),
        ("\u00b9\u00b2", "not_a_number"),
    ],
)
def test_what_cannot_be_read_is_refused_with_a_reason(printed: str, reason: str) -> None:
    with pytest.raises(NumberError) as caught:
        read_number(printed)
    assert caught.value.reason == reason


def test_an_ambiguous_number_says_how_to_settle_it() -> None:
    with pytest.raises(NumberError, match="set the source's decimal_mark"):
        read_number("12,650")


@pytest.mark.parametrize(
    ("printed", "mark"),
    [
        ("0.01144", "."),
        ("0,01144", ","),
        ("12,650.50", "."),
        ("1,234,567", "."),
        ("1.234.567", ","),
        ("12 650,00", ","),
        ("12,650", None),
        ("0", None),
        ("12 650", None),
        ("1\u066b5", None),
        ("nonsense", None),
    ],
)
def test_what_one_number_tells_about_the_decimal_mark(printed: str, mark: str | None) -> None:
    assert decimal_mark_of(printed) == mark


def test_a_page_decides_only_when_its_telling_numbers_agree() -> None:
    assert page_decimal_mark(["0.01144", "12,650", "-0.22", "0"]) == "."
    assert page_decimal_mark(["0,01144", "12.650", "-0,22"]) == ","
    assert page_decimal_mark(["0.01144", "0,5"]) is None
    assert page_decimal_mark(["12,650", "0"]) is None
