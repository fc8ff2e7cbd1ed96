"""A source's days: dated URLs filled in the source's time zone, and the dates feeds
print read as 00:00 of that day there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tickerwatch.core.dates import DateError, dated_url, day_start, is_dated


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("template", "when", "zone", "url"),
    [
        ("https://cbt.tm/kurs/%Y/%d%m%Y.xml", "2026-05-20T09:00", "Asia/Ashgabat",
         "https://cbt.tm/kurs/2026/20052026.xml"),
        # 20:00 UTC on the 19th is already the 20th in Ashgabat (UTC+5)
        ("https://cbt.tm/kurs/%Y/%d%m%Y.xml", "2026-05-19T20:00", "Asia/Ashgabat",
         "https://cbt.tm/kurs/2026/20052026.xml"),
        ("https://cbt.tm/kurs/%Y/%d%m%Y.xml", "2026-05-19T20:00", "UTC",
         "https://cbt.tm/kurs/2026/19052026.xml"),
        ("https://www.nbt.tj/en/kurs/export_xml.php?date=%Y-%m-%d&export=xmlout",
         "2026-05-18T03:00", "Asia/Dushanbe",
         "https://www.nbt.tj/en/kurs/export_xml.php?date=2026-05-18&export=xmlout"),
        ("https://nationalbank.kz/rss/get_rates.cfm?fdate=%d.%m.%Y", "2026-12-31T19:30",
         "Asia/Almaty", "https://nationalbank.kz/rss/get_rates.cfm?fdate=01.01.2027"),
        ("https://x.example/%y/%j/%b-%H%M", "2026-02-03T04:05", "UTC",
         "https://x.example/26/034/Feb-0405"),
    ],
    ids=["cbt", "cbt-local-day", "cbt-utc-day", "nbt", "nbk-new-year", "other-placeholders"],
)  # fmt: skip
def test_placeholders_are_filled_with_the_polls_day_in_the_sources_zone(
    template: str, when: str, zone: str, url: str
) -> None:
    assert dated_url(template, utc(when), zone) == url
    assert is_dated(template)


@pytest.mark.parametrize(
    ("template", "url"),
    [
        ("https://x.example/a%2Fb?q=%D0%B0%20b", "https://x.example/a%2Fb?q=%D0%B0%20b"),
        ("https://x.example/100%25?d=%Z%S%q", "https://x.example/100%25?d=%Z%S%q"),
        ("https://x.example/%%d0/%%Y", "https://x.example/%d0/%Y"),
        ("https://x.example/%%%Y", "https://x.example/%2026"),
    ],
    ids=["percent-encoding", "other-percents", "escaped", "escaped-then-year"],
)
def test_other_percents_stay_as_written_and_double_percent_is_one(template: str, url: str) -> None:
    assert dated_url(template, utc("2026-05-20T09:00"), "UTC") == url


def test_a_url_without_placeholders_is_not_dated() -> None:
    assert not is_dated("https://www.nbkr.kg/XML/daily.xml")
    assert not is_dated("https://x.example/a%2Fb%%d")
    assert dated_url("https://www.nbkr.kg/XML/daily.xml", 0.0, "UTC").endswith("daily.xml")


@pytest.mark.parametrize(
    ("printed", "fmt", "zone", "utc_time"),
    [
        ("24.05.2026", "%d.%m.%Y", "Asia/Bishkek", "2026-05-23T18:00"),
        ("2026-05-18", "%Y-%m-%d", "Asia/Dushanbe", "2026-05-17T19:00"),
        (" 20.05.2026\r\n", "%d.%m.%Y", "Asia/Ashgabat", "2026-05-19T19:00"),
        ("01.04.2026", "%d.%m.%Y", "UTC", "2026-04-01T00:00"),
        ("Wed, 01 Apr 2026 09:30:00 +0500", "rfc822", "Asia/Almaty", "2026-03-31T19:00"),
    ],
)
def test_a_printed_date_is_midnight_of_that_day_in_the_sources_zone(
    printed: str, fmt: str, zone: str, utc_time: str
) -> None:
    assert day_start(printed, fmt, zone) == utc(utc_time)


@pytest.mark.parametrize(
    ("printed", "fmt"),
    [("31.02.2026", "%d.%m.%Y"), ("2026-05-18", "%d.%m.%Y"), ("", "%Y-%m-%d"), ("x", "rfc822")],
)
def test_a_date_that_does_not_read_is_a_date_error(printed: str, fmt: str) -> None:
    with pytest.raises(DateError, match="is not a date of the form"):
        day_start(printed, fmt, "UTC")
