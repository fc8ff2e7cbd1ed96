"""A page is parsed again only when the bytes its ticker is read from changed."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from support import pages
from support.fuzz import fuzz
from support.pages import DEC_08, TAG_157
from support.pieces import PIECES, TEXT_PIECES
from tickerwatch.core.errors import ParseError
from tickerwatch.core.model import Ticker
from tickerwatch.core.parse import (
    BUILTIN,
    ReadKey,
    compile_pattern,
    parse_changed,
    parse_text,
    parse_whole,
)
from tickerwatch.core.parse.formats import EntryPattern

TIMESCA = BUILTIN["timesca"]
USD = frozenset({"USD"})


def read(
    body: str, last: ReadKey | None, pattern: re.Pattern[str] = TIMESCA
) -> tuple[ReadKey, Ticker | None]:
    return parse_changed(body, "text/html", pattern, USD, last)


def live(ticker_page: str, serial: int) -> str:
    """The same page with a story far below the ticker changed, as a live site's is on
    every request."""
    story = f"<div>{'Filler words. ' * 500}</div><article><p>Story {serial}: 3% up.</p></article>"
    return ticker_page.replace("</body>", story + "</body>")


def entries(ticker: Ticker | None) -> list[tuple[str, str, str]]:
    assert ticker is not None
    return [(str(e.pair), str(e.rate), str(e.change_pct)) for e in ticker.entries]


def test_a_live_page_whose_ticker_did_not_change_is_not_parsed_again() -> None:
    key, ticker = read(live(pages.spans(DEC_08), 1), None)
    assert entries(ticker) == entries(parse_text(pages.spans(DEC_08), "text/html", TIMESCA, USD))
    again, nothing = read(live(pages.spans(DEC_08), 2), key)
    assert nothing is None and again == key


def test_a_changed_ticker_is_parsed() -> None:
    key, _ = read(pages.spans(DEC_08), None)
    new_key, ticker = read(pages.spans(TAG_157), key)
    assert new_key != key
    assert entries(ticker) == entries(parse_text(pages.spans(TAG_157), "text/html", TIMESCA, USD))


def test_without_regions_the_whole_body_decides() -> None:
    # Pair split by tags: the raw-HTML locator finds nothing, the full render reads it.
    items = "".join(
        f"<li><b>{line.pair.split('/')[0]}</b>/<b>USD</b> = {line.rate} {line.change}%</li>"
        for line in DEC_08 * 4
    )
    body = f"<html><body><header><ul>{items}</ul></header></body></html>"
    key, ticker = read(body, None)
    assert len(entries(ticker)) == 4 * len(DEC_08)
    assert read(body, key) == (key, None)
    changed_key, reparsed = read(live(body, 1), key)
    assert changed_key != key and reparsed is not None


def test_a_new_pattern_parses_the_same_page_again() -> None:
    body = pages.spans(DEC_08)
    key, _ = read(body, None)
    custom = re.compile(  # what a reload to a custom pattern gives
        r"(?P<base>[A-Z]{3})/(?P<quote>[A-Z]{3}) = (?P<rate>[\d.]+) (?P<change>-?[\d.]+)%"
    )
    new_key, ticker = read(body, key, custom)
    assert new_key != key and ticker is not None


def test_stories_right_after_the_ticker_do_not_make_it_read_again() -> None:
    header = pages.spans(DEC_08).split("<header>", 1)[1].split("</header>", 1)[0]

    def story(serial: int) -> str:
        return pages.page(header, f"<main><h2>Story {serial}</h2><p>{'Words. ' * 30}</p></main>")

    key, ticker = read(story(1), None)
    assert ticker is not None
    assert read(story(2), key)[1] is None


def test_a_pair_that_starts_right_after_the_ticker_is_read() -> None:
    key, _ = read(pages.spans(DEC_08), None)
    added = pages.spans(DEC_08).replace("</header>", "EUR/USD = 1.05 0%</header>")
    ticker = read(added, key)[1]
    assert ticker is not None and ("EUR/USD", "1.05", "0") in entries(ticker)


def test_a_ticker_cut_by_its_region_is_read_from_the_whole_page() -> None:
    # The pairs are split by tags (no hits); one pair mention in a script ends its region
    # halfway through the ticker.
    items = "".join(
        f"<li><b>{line.pair.split('/')[0]}</b>/<b>USD</b> = {line.rate} {line.change}%</li>"
        for line in DEC_08 * 4
    )
    body = (
        '<html><head><script>var x = "KGS/USD 1%";</script></head><body><ul>'
        f"{items}</ul>{'<p>filler</p>' * 1000}</body></html>"
    )
    assert len(entries(read(body, None)[1])) == 20


PATTERN = compile_pattern(
    r"(?P<base>[A-Z]{3})/(?P<quote>USD)\s*=?\s*(?P<rate>[\d.,]+)\s+(?P<change>[-+]?[\d.,]+)\s*%"
)
STORIES = st.sampled_from(["", "<h2>Story 1</h2>", "<h2>Story 2</h2>", "KZT/USD = n/a", "ABC"])


def whole(body: str, content_type: str, pattern: EntryPattern) -> object:
    try:
        ticker = parse_whole(body, content_type, pattern)
    except ParseError as exc:
        return exc.reason
    return [(str(e.pair), str(e.rate), str(e.change_pct)) for e in ticker.entries], [
        (u.text, u.reason) for u in ticker.unreadable
    ]


@fuzz
@given(
    st.lists(PIECES, max_size=5),
    st.lists(st.tuples(st.integers(0, 6), STORIES), min_size=1, max_size=3),
    st.sampled_from(sorted(pages.MARKUPS)),
    st.sampled_from(["timesca", "pattern"]),
    st.sampled_from([USD, frozenset()]),
)
def test_a_page_not_read_again_reads_as_the_last_one_did(
    pieces: list[str],
    changes: list[tuple[int, str]],
    markup: str,
    kind: str,
    quotes: frozenset[str],
) -> None:
    """Whatever changes around the ticker: when the page is not read again, reading the
    whole new page gives what reading the whole old page gave."""
    pattern = TIMESCA if kind == "timesca" else PATTERN
    header = pages.MARKUPS[markup](DEC_08).split("<header>", 1)[1].split("</header>", 1)[0]
    before = [header, *pieces]
    after = list(before)
    for at, story in changes:
        after.insert(min(at, len(after)), story)
    quiet = "<main><p>Words of a story.</p></main>"
    old, new = pages.page("".join(before), quiet), pages.page("".join(after), quiet)
    key = parse_changed(old, "text/html", pattern, quotes, None)[0]
    if parse_changed(new, "text/html", pattern, quotes, key)[1] is None:
        assert whole(new, "text/html", pattern) == whole(old, "text/html", pattern)


@fuzz
@given(
    st.lists(TEXT_PIECES, max_size=5),
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from(["Story 1", "Story 2", "ABC", "\n"])),
        min_size=1,
        max_size=3,
    ),
)
def test_a_text_page_not_read_again_reads_as_the_last_one_did(
    pieces: list[str], changes: list[tuple[int, str]]
) -> None:
    before = [pages.plain_ticker(DEC_08, tail=""), *pieces]
    after = list(before)
    for at, story in changes:
        after.insert(min(at, len(after)), story)
    old, new = "\n".join(before), "\n".join(after)
    key = parse_changed(old, "text/plain", TIMESCA, USD, None)[0]
    if parse_changed(new, "text/plain", TIMESCA, USD, key)[1] is None:
        assert whole(new, "text/plain", TIMESCA) == whole(old, "text/plain", TIMESCA)
