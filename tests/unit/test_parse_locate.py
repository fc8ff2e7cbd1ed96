"""The region-first fast paths (with the pairs' quotes, with any pair, with a custom
pattern's literal, in plain text) must read exactly what reading the whole page reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import pages
from support.fuzz import fuzz
from support.pages import DEC_08, OLD_4, TAG_157, Line
from support.pieces import PIECES, TEXT_PIECES
from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse import BUILTIN, compile_pattern, parse_text, parse_whole
from tickerwatch.core.parse.formats import EntryPattern
from tickerwatch.core.parse.locate import MAX_FALSE_STARTS, occurrences, ticker_regions

TIMESCA = BUILTIN["timesca"]
USD = frozenset({"USD"})


# What a user writes for these pages: the literal `USD` locates its regions.
PATTERN = compile_pattern(
    r"(?P<base>[A-Z]{3})/(?P<quote>USD)\s*=?\s*(?P<rate>[\d.,]+)\s+(?P<change>[-+]?[\d.,]+)\s*%"
)
Reading = tuple[tuple[str, str, str], ...] | str


def read(
    body: str,
    quotes: frozenset[str] | None,
    content_type: str = "text/html",
    pattern: EntryPattern = TIMESCA,
) -> Reading:
    """The entries as read by the regions (`quotes`: the pairs' quote currencies, empty for
    any pair) or, with `quotes` None, by reading the whole page; or why there is no ticker."""
    try:
        if quotes is None:
            ticker = parse_whole(body, content_type, pattern)
        else:
            ticker = parse_text(body, content_type, pattern, quotes)
    except ParseError as exc:
        return exc.reason
    found = tuple((str(e.pair), str(e.rate), str(e.change_pct)) for e in ticker.entries)
    return found + tuple(("unreadable", u.text, u.reason) for u in ticker.unreadable)


def same(body: str, content_type: str = "text/html") -> Reading:
    """Every fast path reads `body` as the whole page does."""
    whole = read(body, None, content_type)
    assert read(body, USD, content_type) == whole
    assert read(body, frozenset(), content_type) == whole
    return whole


def same_with_pattern(body: str, content_type: str = "text/html") -> Reading:
    whole = read(body, None, content_type, PATTERN)
    assert read(body, frozenset(), content_type, PATTERN) == whole
    return whole


@pytest.mark.parametrize("markup", sorted(pages.MARKUPS))
@pytest.mark.parametrize("lines", [DEC_08, TAG_157, OLD_4], ids=["dec08", "tag157", "old4"])
def test_fast_path_reads_every_markup_like_the_full_render(
    markup: str, lines: tuple[Line, ...]
) -> None:
    assert len(same(pages.MARKUPS[markup](lines))) >= 8


def test_the_locator_finds_a_small_region_of_a_big_page() -> None:
    body = pages.list_items(DEC_08) + "<p>filler text, nothing to see. 12.5% up.</p>" * 4000
    (region,) = ticker_regions(body, USD)
    assert region[1] - region[0] < 8000 < len(body)


@pytest.mark.parametrize(
    "decoy",
    [
        '<script>var t = "KGS/USD = 9.99999 9% KZT/USD = 9.99999 9% TJS/USD = 9.9 9%";</script>',
        "<!-- KGS/USD = 9.99999 9% KZT/USD = 9.99999 9% TJS/USD = 9.9 9% -->",
        '<a title="KGS/USD = 9.99999 9% KZT/USD = 9.99999 9%">link</a>',
        "<style>/* KGS/USD = 9.99999 9% KZT/USD = 9.99999 9% */</style>",
    ],
)
def test_invisible_tickers_are_ignored_by_both_paths(decoy: str) -> None:
    body = pages.page(decoy + "<ul>" + "".join(f"<li>{x.text}</li>" for x in DEC_08) + "</ul>")
    assert same(body)[0] == ("KGS/USD", "0.01144", "0")


def test_a_header_element_is_not_a_head_element() -> None:
    # Found by the property below: "<header>" was taken for "<head", hiding the ticker.
    short = "<ul>" + "".join(f"<li>&#8226; {x.text}</li>" for x in OLD_4) + "</ul>"
    filler = "<div>" + "x" * 2500 + "</div>"
    ticker = pages.entities_and_odd_signs(DEC_08).split("<header>", 1)[1].split("</header>")[0]
    body = pages.page(short + filler + filler + "<header>" + ticker + "</header>")
    assert len(same(body)) == 40


def test_a_page_without_ticker_is_no_ticker_on_both_paths() -> None:
    assert same(pages.page("<p>KZT/USD fell 2% today.</p>")) == "no_ticker"


@fuzz
@given(st.lists(PIECES, max_size=8), st.sampled_from(sorted(pages.MARKUPS)), st.integers(0, 8))
def test_fast_path_equals_full_render_on_mixed_pages(
    pieces: list[str], markup: str, at: int
) -> None:
    same(mixed_page(pieces, markup, at))


def mixed_page(pieces: list[str], markup: str, at: int) -> str:
    """A page of `pieces` with DEC_08's ticker in `markup` inserted at `at`."""
    ticker = pages.MARKUPS[markup](DEC_08)
    header = ticker.split("<header>", 1)[1].split("</header>", 1)[0]
    parts = list(pieces)
    parts.insert(min(at, len(parts)), header)
    return pages.page("".join(parts))


@fuzz
@given(st.lists(PIECES, max_size=8), st.sampled_from(sorted(pages.MARKUPS)), st.integers(0, 8))
def test_a_patterns_literal_finds_what_the_whole_page_gives(
    pieces: list[str], markup: str, at: int
) -> None:
    same_with_pattern(mixed_page(pieces, markup, at))


@pytest.mark.parametrize("markup", sorted(set(pages.MARKUPS) - {"entities_and_odd_signs"}))
def test_a_pattern_reads_every_markup_by_its_literal(markup: str) -> None:
    # (PATTERN does not allow the odd spaces and signs of the fifth markup: the property
    # below still checks that both readings agree on it.)
    assert len(same_with_pattern(pages.MARKUPS[markup](DEC_08))) >= 8


@fuzz
@given(st.lists(TEXT_PIECES, max_size=8), st.integers(0, 8), st.sampled_from(["\n", "\n\n", " "]))
def test_plain_text_regions_read_what_the_whole_text_gives(
    pieces: list[str], at: int, glue: str
) -> None:
    parts = list(pieces)
    parts.insert(min(at, len(parts)), pages.plain_ticker(DEC_08).split("\n", 1)[0])
    body = glue.join(parts)
    same(body, "text/plain")
    same_with_pattern(body, "text/plain")


def test_a_plain_text_ticker_is_found_in_a_big_file() -> None:
    body = pages.plain_ticker(DEC_08) + "Filler line with 12.5% and 3%.\n" * 6000
    assert len(same(body, "text/plain")) == 40


def naive_occurrences(text: str, needle: str) -> list[int]:
    found, pos = [], text.find(needle)
    while pos != -1:
        found.append(pos)
        pos = text.find(needle, pos + len(needle))
    return found


@fuzz
@given(st.lists(st.sampled_from(["USD", "U", "US", "UUSD", "x", "USUSD", "ДU"]), max_size=200))
def test_occurrences_finds_what_a_substring_search_finds(parts: list[str]) -> None:
    text = "".join(parts)
    assert list(occurrences(text, "USD")) == naive_occurrences(text, "USD")


def test_occurrences_go_on_past_many_false_starts() -> None:
    text = "U." * (MAX_FALSE_STARTS * 3) + "KZT/USD" + "U" * 10 + "USD"
    assert (
        list(occurrences(text, "USD"))
        == naive_occurrences(text, "USD")
        == [
            MAX_FALSE_STARTS * 6 + 4,
            MAX_FALSE_STARTS * 6 + 17,
        ]
    )
