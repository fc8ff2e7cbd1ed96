"""The same real tickers in markups of our own, and text that only looks like a ticker."""

from __future__ import annotations

from decimal import Decimal

import pytest

from support import pages
from support.pages import DEC_08, OLD_4, TAG_157, Line
from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse import BUILTIN, compile_pattern, page_text, parse_text

TIMESCA = BUILTIN["timesca"]


def quotes(body: str, content_type: str = "text/html") -> dict[str, tuple[str, str, int]]:
    result = deduplicate(parse_text(body, content_type, TIMESCA).entries)
    assert result.conflicts == ()
    return {str(q.pair): (str(q.rate), str(q.change_pct), q.copies) for q in result.rates}


def expected(lines: tuple[Line, ...], copies: int) -> dict[str, tuple[str, str, int]]:
    return {line.pair: (line.rate, str(Decimal(line.change)), copies) for line in lines}


@pytest.mark.parametrize("markup", sorted(pages.MARKUPS))
@pytest.mark.parametrize("lines", [DEC_08, TAG_157, OLD_4], ids=["dec08", "tag157", "old4"])
def test_markup_gives_the_printed_quotes(markup: str, lines: tuple[Line, ...]) -> None:
    copies = 2 if markup == "table_cells" else 8
    assert quotes(pages.MARKUPS[markup](lines)) == expected(lines, copies)


def test_unicode_minus_keeps_the_sign_of_zero() -> None:
    got = quotes(pages.entities_and_odd_signs(DEC_08))
    assert got["KZT/USD"][1] == "-0"
    assert got["KGS/USD"][1] == "0"


def test_html_to_text_puts_blocks_and_items_on_their_own_lines() -> None:
    text = page_text(
        "<ul><li>a&nbsp;b</li><li>c&#8201;d</li></ul><p>e<br>f</p><span>g</span>", "text/html"
    )
    assert text.splitlines() == ["a b", "", "c d", "", "e", "f", "g"]


def test_scripts_and_styles_are_not_read() -> None:
    body = pages.page("<p>nothing here</p>")
    assert "9.99999" not in page_text(body, "text/html")
    with pytest.raises(ParseError):
        parse_text(body, "text/html", TIMESCA)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   \n\n",
        "<html><body><p>The site changed its layout.</p></body></html>",
        "• KGS/USD = NaN 0%\n• KZT/USD = NaN 0%\n",
        "• KGS/USD = 1e999 0%\n• KZT/USD = 1e999 0%\n",
        "• KGS/USD = 0.0.1 0%\n• KZT/USD = 0.0.1 0%\n",
        "• KGS/USD = 0.00000 0%\n• KZT/USD = 0.00000 0%\n",
        "• KGS/USD = 0.01144 abc%\n• KZT/USD = 0.00196 -%\n",
        "\x00\x01\x02 binary-looking garbage \xff",
    ],
    ids=[
        "empty",
        "blank",
        "no-ticker",
        "nan",
        "1e999",
        "two-points",
        "zero",
        "bad-change",
        "garbage",
    ],
)
def test_nothing_usable_is_no_ticker(body: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_text(body, "", TIMESCA)
    assert caught.value.reason == "no_ticker"


def test_article_bullets_after_the_ticker_do_not_count() -> None:
    body = pages.plain_ticker(DEC_08, copies=8) + (
        "\n  • Region one: Up 17.5%\n  • KGS/USD = 0.02000 5%\n  • KZT/USD = 0.00300 4%\n"
    )
    got = quotes(body, "text/plain")
    assert got["KGS/USD"] == ("0.01144", "0", 8)
    assert got["KZT/USD"] == ("0.00196", "-0", 8)


def test_ticker_printed_twice_on_a_page() -> None:
    body = pages.plain_ticker(DEC_08, copies=2)
    assert quotes(body, "text/plain")["TJS/USD"] == ("0.10899", "-0", 2)


def test_liberal_spacing_and_signs_in_plain_text() -> None:
    body = "• KGS / USD =  0,01144   +0,2 %\n• KZT/USD=0.00196 –0.22%\n• TJS/USD = 0.10899 −0%\n"
    got = quotes(body, "text/plain")
    assert got == {
        "KGS/USD": ("0.01144", "0.2", 1),
        "KZT/USD": ("0.00196", "-0.22", 1),
        "TJS/USD": ("0.10899", "-0", 1),
    }


def test_custom_pattern_reads_another_layout() -> None:
    pattern = compile_pattern(
        r"(?P<base>[A-Z]{3})-(?P<quote>[A-Z]{3}): (?P<rate>[\d.]+) \((?P<change>[-+]?[\d.]+)%\)"
    )
    ticker = parse_text(
        "Rates: USD-KZT: 510.20 (-0.3%) | USD-UZS: 12500.00 (0.1%)", "text/plain", pattern
    )
    assert [(str(e.pair), str(e.rate), str(e.change_pct)) for e in ticker.entries] == [
        ("USD/KZT", "510.20", "-0.3"),
        ("USD/UZS", "12500.00", "0.1"),
    ]


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("(?P<base>x", "not a valid regular expression"),
        (r"(?P<base>\w+)", "missing quote, rate"),
    ],
)
def test_bad_custom_patterns_are_explained(pattern: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        compile_pattern(pattern)
