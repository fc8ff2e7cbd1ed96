"""Pieces of pages for property tests: prose, decoys in scripts and comments, tables, short
tickers, filler — in HTML and in plain text — to put around a real ticker."""

from __future__ import annotations

from hypothesis import strategies as st

from support.pages import OLD_4, TAG_157

PIECES = st.sampled_from(
    [
        "<p>Prose with 12.5% growth and KZT/USD mentioned.</p>",
        "<p>KGS/USD = 0.01100 -1.5% was quoted.</p>",
        '<script>var x = "KGS/USD = 9.99999 9% KZT/USD = 9.9 9%";</script>',
        "<!-- TJS/USD = 0.1 1% UZS/USD = 0.1 1% -->",
        '<a href="/q?x=%20%2F" title="USD/EUR 5%">x</a>',
        "<div>" + "x" * 2500 + "</div>",
        "<ul>" + "".join(f"<li>&#8226; {x.text}</li>" for x in OLD_4) + "</ul>",
        "<table>"
        + "".join(
            f"<tr><td>{x.pair}</td><td>{x.rate}</td><td>{x.change}%</td></tr>" for x in TAG_157
        )
        + "</table>",
        "<style>.a{width:50%}</style>",
        "<p>USD USD/ /USD 3 % KZT/USD</p>",
        "<p>" + "Ulan-Ude, UN, UK. " * 40 + "</p>",  # more false starts than the quick search takes
    ]
)

TEXT_PIECES = st.sampled_from(
    [
        "Prose with 12.5% growth and KZT/USD mentioned.",
        "KGS/USD = 0.01100 -1.5% was quoted.",
        "  ".join(f"• {x.text}" for x in OLD_4),
        "\n".join(f"{x.pair}\t{x.rate}\t{x.change}%" for x in TAG_157),
        "x" * 2500,
        "USD USD/ /USD 3 % KZT/USD",
        "\u00a0\u2009 odd spaces \u200b KGS/USD\u00a0=\u00a00.01144\u20090%",
        "",
    ]
)
