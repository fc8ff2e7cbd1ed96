"""A page is parsed again only when the bytes its ticker is read from changed."""

from __future__ import annotations

import re

from support import pages
from support.pages import DEC_08, TAG_157
from tickerwatch.core.model import Ticker
from tickerwatch.core.parse import BUILTIN, ReadKey, parse_changed, parse_text

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
    body = pages.page(f"<ul>{items}</ul>")
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
