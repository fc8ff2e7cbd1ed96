"""Feed entries → ticker entries (core.parse.feed): value ÷ nominal exactly, the resolution
the feed prints, absolute changes per unit, dates, and every entry that cannot be read
kept with its reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse.feed import FeedEntry, FeedReading, feed_ticker

COMMA = FeedReading(decimal_mark=",", decimals=4, dated=True, date_format="%d.%m.%Y")


def entry(rate: str | None, nominal: str | None = "1", **kw: str | None) -> FeedEntry:
    fields: dict[str, str | None] = {"base": "USD", "quote": "KGS", "date": "24.05.2026", **kw}
    return FeedEntry(f"USD {rate}/{nominal}", rate=rate, nominal=nominal, **fields)  # type: ignore[arg-type]


def read_one(e: FeedEntry, reading: FeedReading = COMMA) -> tuple[str, int, str | None]:
    (got,) = feed_ticker([e], reading).entries
    return str(got.rate), got.decimals, None if got.change_abs is None else str(got.change_abs)


@pytest.mark.parametrize(
    ("rate", "nominal", "printed", "decimals"),
    [
        ("87,4500", "1", "87.4500", 4),
        ("5,4969", "10", "0.54969", 5),
        ("54,9690", "100", "0.549690", 6),
        ("0,0780", "100", "0.000780", 6),
        ("3,5", "1", "3.5000", 4),  # trailing zeros trimmed by the feed, read back
        ("12 194,21", "1", "12194.2100", 4),
        ("1,2", "1000", "0.0012000", 7),
    ],
)
def test_a_rate_is_the_value_per_one_unit_with_the_printed_resolution(
    rate: str, nominal: str, printed: str, decimals: int
) -> None:
    assert read_one(entry(rate, nominal))[:2] == (printed, decimals)


def test_an_absolute_change_is_per_one_unit_too() -> None:
    reading = FeedReading(decimal_mark=".", decimals=2)
    assert read_one(entry("3.93", "100", change="-0.02"), reading) == ("0.0393", 4, "-0.0002")


def test_a_percent_change_is_kept_as_printed() -> None:
    (got,) = feed_ticker([entry("87,45", change_pct="-0,22")], COMMA).entries
    assert (got.change_pct, got.change_abs) == (Decimal("-0.22"), None)


def test_the_date_is_midnight_in_the_sources_zone_and_undated_feeds_have_none() -> None:
    dated = FeedReading(
        decimal_mark=",", dated=True, date_format="%d.%m.%Y", timezone="Asia/Bishkek"
    )
    (got,) = feed_ticker([entry("87,45")], dated).entries
    assert got.effective == 1779559200.0  # 2026-05-24T00:00+06:00
    (undated,) = feed_ticker([entry("87,45", date=None)], FeedReading(decimal_mark=",")).entries
    assert undated.effective is None


@pytest.mark.parametrize(
    ("e", "reason"),
    [
        (entry("n/a"), "not_a_number"),
        (entry("87.45,1"), "bad_grouping"),
        (entry("87,45", "3"), "bad_nominal"),
        (entry("87,45", "0"), "bad_nominal"),
        (entry("87,45", "0.1"), "bad_nominal"),
        (entry("87,45", "ten"), "not_a_number"),
        (entry("0"), "out_of_range"),
        (entry(None), "incomplete"),
        (entry("87,45", base=None), "incomplete"),
        (entry("87,45", base="US"), "bad_pair"),
        (entry("87,45", base="KGS"), "bad_pair"),
        (entry("87,45", date=None), "incomplete"),
        (entry("87,45", date="32.05.2026"), "bad_date"),
        (entry("87,45", change_pct="1000000"), "out_of_range"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.text,
)
def test_an_entry_that_cannot_be_read_is_kept_with_its_reason(e: FeedEntry, reason: str) -> None:
    ticker = feed_ticker([entry("87,45", base="EUR"), e], COMMA)
    assert [str(t.pair) for t in ticker.entries] == ["EUR/KGS"]
    (refused,) = ticker.unreadable
    assert (refused.text, refused.reason) == (e.text, reason)


def test_no_entries_or_none_readable_is_no_ticker() -> None:
    with pytest.raises(ParseError, match="the feed lists no rates"):
        feed_ticker([], COMMA)
    with pytest.raises(ParseError, match="the feed's 2 entries cannot be read; the first") as e:
        feed_ticker([entry("n/a"), entry("87,45", "7")], COMMA)
    assert e.value.reason == "no_ticker"


def test_a_date_more_than_a_week_ahead_is_refused_so_it_never_freezes_the_feed() -> None:
    poll = feed_ticker([entry("87,45")], COMMA).entries[0].effective  # 24.05.2026, 00:00 UTC
    assert poll is not None
    reading = FeedReading(",", 4, True, "%d.%m.%Y", latest=poll + 7 * 86400)
    ahead = feed_ticker([entry("87,45", date="31.05.2026")], reading)  # a week: allowed
    assert len(ahead.entries) == 1
    with pytest.raises(ParseError):
        feed_ticker([entry("87,45", date="24.05.2062")], reading)
    ticker = feed_ticker([entry("87,45"), entry("1,00", base="EUR", date="24.05.2062")], reading)
    ((reason, message),) = [(u.reason, u.message) for u in ticker.unreadable]
    assert reason == "bad_date" and message == "dated 24.05.2062, more than 7 days ahead"


def test_a_json_number_reads_its_point_as_a_decimal_point_whatever_the_feeds_mark() -> None:
    """87.450 in JSON is 87.45 printed to three decimals: never 87450, never ambiguous."""
    comma = FeedReading(decimal_mark=",")
    assert read_one(entry(Decimal("87.450"), Decimal("1")), comma)[:2] == ("87.450", 3)  # type: ignore[arg-type]
    plain = FeedReading(decimal_mark=None)
    assert read_one(entry(Decimal("1.234"), None), plain)[:2] == ("1.234", 3)  # type: ignore[arg-type]
    assert read_one(entry(Decimal("1.5E+3"), Decimal("1E+1")), plain)[:2] == ("150.0", 1)  # type: ignore[arg-type]


def test_an_absolute_change_as_large_as_the_rate_is_out_of_range() -> None:
    reading = FeedReading(decimal_mark=".", decimals=2)
    ticker = feed_ticker([entry("5.47", change="+6.00"), entry("5.47", base="EUR")], reading)
    ((reason, message),) = [(u.reason, u.message) for u in ticker.unreadable]
    assert reason == "out_of_range" and "the rate before was not above 0" in message
