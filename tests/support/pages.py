"""Test pages: real ticker lines (facts) in markups of our own, with our own filler."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass(frozen=True)
class Line:
    pair: str
    rate: str
    change: str  # as printed, without the %

    @property
    def text(self) -> str:
        return f"{self.pair} = {self.rate} {self.change}%"


# timesca.com, 2025-12-08 and an older 4-pair page (no TMT).
DEC_08 = (
    Line("KGS/USD", "0.01144", "0"),
    Line("KZT/USD", "0.00196", "-0"),
    Line("TJS/USD", "0.10899", "-0"),
    Line("UZS/USD", "0.00008", "-0"),
    Line("TMT/USD", "0.28490", "0"),
)
TAG_157 = (
    Line("KGS/USD", "0.01144", "0"),
    Line("KZT/USD", "0.00193", "-0"),
    Line("TJS/USD", "0.10100", "2.23"),
    Line("UZS/USD", "0.00008", "0"),
    Line("TMT/USD", "0.28571", "0"),
)
OLD_4 = (
    Line("KGS/USD", "0.01131", "0"),
    Line("KZT/USD", "0.00227", "0"),
    Line("TJS/USD", "0.09161", "-0.11"),
    Line("UZS/USD", "0.00008", "0"),
)

ARTICLE = (
    "<main><p class=date>08 December 2025</p><article><h2>Fixture headline</h2>"
    "<p>Filler written for the tests: output rose 12.5% while costs fell 3%. Traders said "
    "KZT/USD = 0.00190 -1.5% was the level a month ago.</p>"
    "<ul><li>&#8226; Region one: Up 17.5%</li><li>&#8226; Region two: Down 4.1%</li>"
    "<li>&#8226; KGS/USD: steady</li></ul></article></main>"
)


def page(header: str, article: str = ARTICLE) -> str:
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>Fixture</title>"
        "<style>.ticker{animation:scroll 30s linear infinite}</style>"
        '<script>var fallback = "KGS/USD = 9.99999 9% KZT/USD = 9.99999 9%";</script>'
        f"</head><body><header>{header}</header>{article}</body></html>"
    )


def list_items(lines: tuple[Line, ...], copies: int = 8) -> str:
    items = "".join(f"<li>&#8226; {line.text}</li>" for _ in range(copies) for line in lines)
    return page(f'<ul class="ticker">{items}</ul>')


def spans(lines: tuple[Line, ...], copies: int = 8) -> str:
    items = "".join(
        f'<div class="item"><span class="bullet">•</span> <span class="pair">{line.pair}</span>'
        f' = <span class="rate">{line.rate}</span> <span class="chg">{line.change}%</span></div>'
        for _ in range(copies)
        for line in lines
    )
    return page(f'<div class="ticker">{items}</div>')


def inline_marquee(lines: tuple[Line, ...], copies: int = 8) -> str:
    items = " ".join(f"&#8226;&nbsp;{line.text}" for _ in range(copies) for line in lines)
    return page(f'<marquee class="ticker"><span>{items}</span></marquee>')


def table_cells(lines: tuple[Line, ...], copies: int = 2) -> str:
    rows = "".join(
        f"<tr><td>{line.pair}</td><td>{line.rate}</td><td>{line.change}%</td></tr>"
        for _ in range(copies)
        for line in lines
    )
    return page(
        f'<table class="ticker"><tr><th>Pair</th><th>Rate</th><th>Change</th></tr>{rows}</table>'
    )


def entities_and_odd_signs(lines: tuple[Line, ...], copies: int = 8) -> str:
    """U+2212 minus as an entity, nbsp and thin spaces, comma decimals, a + sign."""

    def odd(line: Line) -> str:
        change = line.change.replace("-", "&#8722;")
        if not change.startswith("&#8722;") and line.change not in {"0"}:
            change = "+" + change
        rate = line.rate.replace(".", ",")
        return f"<li>&bull;&thinsp;{line.pair}&nbsp;=&nbsp;{rate}&#8201;{change}&nbsp;%</li>"

    items = "".join(odd(line) for _ in range(copies) for line in lines)
    return page(f"<ul>{items}</ul>")


MARKUPS = {
    "list_items": list_items,
    "spans": spans,
    "inline_marquee": inline_marquee,
    "table_cells": table_cells,
    "entities_and_odd_signs": entities_and_odd_signs,
}


def plain_ticker(lines: tuple[Line, ...], copies: int = 8, tail: str = "08 December 2025") -> str:
    body = "\n  ".join(f"• {line.text}" for _ in range(copies) for line in lines)
    return f"{body}\n{tail}\n\nFiller paragraph for the tests.\n"


def with_kzt(rate: str) -> str:
    """DEC_08's ticker with KZT/USD at `rate` (printed change -0): the page the alerting
    tests move across a KZT threshold."""
    return list_items(tuple(Line(x.pair, rate, "-0") if x.pair == "KZT/USD" else x for x in DEC_08))
