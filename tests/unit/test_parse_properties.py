"""Whatever the page holds, the parser returns a ticker or raises ParseError — nothing else."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from support.fuzz import fuzz
from support.pages import DEC_08, list_items, plain_ticker
from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse import BUILTIN, parse_text

TIMESCA = BUILTIN["timesca"]
TICKERISH = st.sampled_from(
    [
        "• ",
        "KGS/USD",
        " = ",
        "0.01144",
        "-0%",
        "−0,22 %",
        "<li>",
        "</li>",
        "&#8226;",
        "&nbsp;",
        "\n",
        "1e999",
        "NaN",
        "<script>",
        "%",
    ]
)


def parse_or_no_ticker(body: str, content_type: str) -> None:
    try:
        ticker = parse_text(body, content_type, TIMESCA)
    except ParseError as exc:
        assert exc.reason == "no_ticker"
        return
    assert ticker.entries
    assert all(e.rate > 0 and e.rate.is_finite() for e in ticker.entries)


@fuzz
@given(st.text(), st.sampled_from(["text/html", "text/plain", ""]))
def test_arbitrary_text(body: str, content_type: str) -> None:
    parse_or_no_ticker(body, content_type)


@fuzz
@given(st.lists(TICKERISH, max_size=60).map("".join), st.sampled_from(["text/html", "text/plain"]))
def test_ticker_shaped_fragments(body: str, content_type: str) -> None:
    parse_or_no_ticker(body, content_type)


@fuzz
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    parse_or_no_ticker(data.decode("utf-8", "surrogateescape"), "text/html")


@fuzz
@given(st.text(max_size=200), st.text(max_size=200))
def test_a_real_ticker_survives_any_surrounding_text(before: str, after: str) -> None:
    body = f"{before}\n{plain_ticker(DEC_08)}\n{after}"
    ticker = parse_text(body, "text/plain", TIMESCA)
    assert len(ticker.entries) >= 40
    html = list_items(DEC_08).replace("<header>", f"<header><p>{before.replace('<', ' ')}</p>")
    assert len(parse_text(html, "text/html", TIMESCA).entries) >= 40
