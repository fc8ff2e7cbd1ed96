"""Every sample page (our copies: real ticker lines, our own filler) read value by value."""

from __future__ import annotations

import pytest

from support.pages import FIXTURES
from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse import BUILTIN, parse_text

TIMESCA = BUILTIN["timesca"]

# fixture: (entries, {pair: (rate, change as printed, copies)})
EXPECTED = {
    "timesca-2025-12-08-a.txt": (40, {
        "KGS/USD": ("0.01144", "0", 8), "KZT/USD": ("0.00196", "-0", 8),
        "TJS/USD": ("0.10899", "-0", 8), "UZS/USD": ("0.00008", "-0", 8),
        "TMT/USD": ("0.28490", "0", 8),
    }),
    "timesca-2025-12-08-b.txt": (40, {
        "KGS/USD": ("0.01144", "0", 8), "KZT/USD": ("0.00197", "-0", 8),
        "TJS/USD": ("0.10904", "0", 8), "UZS/USD": ("0.00008", "0", 8),
        "TMT/USD": ("0.28490", "0", 8),
    }),
    "timesca-008.txt": (32, {
        "KGS/USD": ("0.01131", "0", 8), "KZT/USD": ("0.00227", "0", 8),
        "TJS/USD": ("0.09161", "-0.11", 8), "UZS/USD": ("0.00008", "0", 8),
    }),
    "timesca-013.txt": (40, {
        "KGS/USD": ("0.01144", "0", 8), "KZT/USD": ("0.00194", "0", 8),
        "TJS/USD": ("0.10864", "0.09", 8), "UZS/USD": ("0.00008", "0", 8),
        "TMT/USD": ("0.28571", "0", 8),
    }),
    "timesca-054.txt": (8, {
        "KGS/USD": ("0.01118", "0", 2), "KZT/USD": ("0.00223", "0", 2),
        "TJS/USD": ("0.09140", "0.11", 2), "UZS/USD": ("0.00008", "0", 2),
    }),
    "timesca-120.txt": (40, {
        "KGS/USD": ("0.01144", "0", 8), "KZT/USD": ("0.00192", "-0", 8),
        "TJS/USD": ("0.10121", "0.1", 8), "UZS/USD": ("0.00008", "0", 8),
        "TMT/USD": ("0.28571", "0", 8),
    }),
    "timesca-157.txt": (40, {
        "KGS/USD": ("0.01144", "0", 8), "KZT/USD": ("0.00193", "-0", 8),
        "TJS/USD": ("0.10100", "2.23", 8), "UZS/USD": ("0.00008", "0", 8),
        "TMT/USD": ("0.28571", "0", 8),
    }),
    "timesca-178.txt": (40, {
        "KGS/USD": ("0.01144", "0", 8), "KZT/USD": ("0.00206", "0", 8),
        "TJS/USD": ("0.10833", "0", 8), "UZS/USD": ("0.00008", "0", 8),
        "TMT/USD": ("0.28571", "0", 8),
    }),
}  # fmt: skip


def read(name: str) -> str:
    return (FIXTURES / "pages" / name).read_text(encoding="utf-8")


def test_every_fixture_page_has_an_expectation() -> None:
    pages = {p.name for p in (FIXTURES / "pages").glob("*.txt")}
    assert pages == set(EXPECTED) | {"timesca-003.txt"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_page_quotes_value_by_value(name: str) -> None:
    entries, quotes = EXPECTED[name]
    result = deduplicate(parse_text(read(name), "text/plain", TIMESCA).entries)
    assert result.entries == entries
    assert result.conflicts == ()
    got = {str(q.pair): (str(q.rate), str(q.change_pct), q.copies) for q in result.rates}
    assert got == quotes
    assert list(got) == list(quotes), "pairs keep the order the ticker prints them in"
    assert all(q.decimals == 5 for q in result.rates)


def test_minus_zero_keeps_its_sign() -> None:
    result = deduplicate(parse_text(read("timesca-2025-12-08-a.txt"), "", TIMESCA).entries)
    kzt = next(q for q in result.rates if str(q.pair) == "KZT/USD")
    kgs = next(q for q in result.rates if str(q.pair) == "KGS/USD")
    assert kzt.change_pct.is_signed() and kzt.change_ratio.is_signed()
    assert not kgs.change_pct.is_signed()


def test_page_without_ticker_is_no_ticker_even_with_a_pair_in_prose() -> None:
    text = read("timesca-003.txt")
    assert "KGS/USD = 0.01100 -1.5%" in text  # the prose mention is there...
    with pytest.raises(ParseError) as caught:
        parse_text(text, "text/plain", TIMESCA)
    assert caught.value.reason == "no_ticker"  # ...but it is not a ticker


def test_prose_mention_after_the_ticker_is_not_a_quote() -> None:
    text = read("timesca-157.txt")
    result = deduplicate(parse_text(text, "text/plain", TIMESCA).entries)
    kgs = next(q for q in result.rates if str(q.pair) == "KGS/USD")
    assert str(kgs.rate) == "0.01144" and kgs.copies == 8


def test_context_shows_the_text_after_the_ticker() -> None:
    ticker = parse_text(read("timesca-120.txt"), "text/plain", TIMESCA)
    before, after = ticker.context()
    assert before.startswith("URL: https://timesca.com/tag/education/")
    assert after.strip().startswith("Viewing results 1 - 6 of 291")
    # The ticker's first bullet is the ticker's, not text before it.
    assert not before.endswith("•") and before.endswith("/tag/education/")
