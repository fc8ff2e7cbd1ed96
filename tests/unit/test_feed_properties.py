"""Whatever a feed's body holds, its reader returns a ticker of positive, finite rates or
raises ParseError (no_ticker) — nothing else: not lxml's, json's or jmespath's errors."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from support.feeds import FEEDS, example, source
from support.fuzz import fuzz
from tickerwatch.core.errors import ParseError
from tickerwatch.core.model import Page
from tickerwatch.core.settings import Source
from tickerwatch.sources import READERS

SOURCES = [source(f) for f in ("nbkr", "nbk", "cbu", "nbt", "cbt")]
SOURCES += [example("nbkr-generic"), example("cbu-generic")]
RECORDED = [
    (FEEDS / name).read_text(encoding=encoding)
    for name, encoding in [
        ("nbkr_weekly_2026-05-23.xml", "cp1251"),
        ("nbk_rates_all_rss_2026-04-01.xml", "utf-8"),
        ("cbu_json_all_2026-04-01.json", "utf-8"),
        ("nbt_export_xml_2026-05-18.xml", "utf-8"),
        ("cbt_kurs_2026_20052026.xml", "utf-8"),
    ]
]
FEEDISH = st.sampled_from(
    [
        "<CurrencyRates Date=\"24.05.2026\">", "</CurrencyRates>", '<Currency ISOCode="USD">',
        "</Currency>", "<Nominal>", "</Nominal>", "<Value>", "</Value>", "87,4500", "1e999",
        "NaN", "-0", "10", "0", "&amp;", "&lol;", "<!DOCTYPE a>", "<![CDATA[1]]>", "[", "]",
        "{", "}", '"Ccy": "USD"', '"Rate": "12194.21"', '"Nominal": "0"', ",", ":", "null",
        '{"error": 1}', "<html>", "<rss><channel><item>", "</item></channel></rss>",
    ]
)  # fmt: skip


def read_or_no_ticker(body: str, src: Source) -> None:
    page = Page("http://x/", 200, "text/xml", body)
    try:
        ticker = READERS[src.format](page, src, None)[1]
    except ParseError as exc:
        assert exc.reason == "no_ticker"
        return
    assert ticker is not None and ticker.entries
    assert all(e.rate > 0 and e.rate.is_finite() for e in ticker.entries)


@fuzz
@given(st.text(), st.sampled_from(SOURCES))
def test_arbitrary_text(body: str, src: Source) -> None:
    read_or_no_ticker(body, src)


@fuzz
@given(st.lists(FEEDISH, max_size=40).map("".join), st.sampled_from(SOURCES))
def test_feed_shaped_fragments(body: str, src: Source) -> None:
    read_or_no_ticker(body, src)


@fuzz
@given(
    st.sampled_from(RECORDED), st.integers(0, 30000), st.text(max_size=20), st.sampled_from(SOURCES)
)
def test_a_recorded_body_cut_or_spliced_anywhere(
    body: str, at: int, insert: str, src: Source
) -> None:
    at = at % (len(body) + 1)
    read_or_no_ticker(body[:at] + insert + body[at + len(insert) :], src)
