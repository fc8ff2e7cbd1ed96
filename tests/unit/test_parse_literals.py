"""A custom pattern's required literal: text every match contains, or nothing at all."""

from __future__ import annotations

import pytest
import regex
from hypothesis import assume, given
from hypothesis import strategies as st

from support.fuzz import fuzz
from tickerwatch.core.parse.literals import required_literal


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"(?P<base>[A-Z]{3})/(?P<quote>USD) = (?P<rate>[\d.]+)", "USD"),
        (r"(?P<rate>\d+,\d+) сом за 1 (?P<base>[A-Z]{3})", "сом"),
        (r"Курс доллара: (?P<rate>\d+\.\d+)", "доллара:"),
        (r"USD\s+(?P<rate>\d+\.\d+)", "USD"),
        (r"KGS/USD&nbsp;(?P<rate>[\d.]+)", "KGS/USD"),  # `&` may be an entity's start
        (r"(?:rate|курс) (?P<rate>\d+)", None),  # alternation: neither side is required
        (r"USD(?P<x>a|b)EUR (?P<rate>\d+)", "USD"),
        (r"(?i)usd (?P<rate>\d+)", None),  # a flag: the page may print `USD`
        (r"(?P<base>[A-Z]{3}) (?P<rate>\d+\.\d+)", None),
        (r"US?D (?P<rate>\d+)", None),  # `S` optional: `UD` and `USD` share no 3 letters
        (r"USDX* (?P<rate>\d+)", "USD"),
        (r"US+DOLLAR (?P<rate>\d+)", "DOLLAR"),  # `S+`: `US` then `SSDOLLAR`, not `USD…`
        (r"(?:USD)? (?P<rate>\d+)", None),
        (r"\x55SD (?P<rate>\d+)", None),  # `SD` only: the escape is not read as `U`
        (r"\u0055\u0053\u0044 rate (?P<rate>\d+)", "rate"),
        (r"\p{Lu}{3} per USD (?P<rate>\d+)", "per"),  # ties: the first
        (r"(?<=KGS)USD (?P<rate>\d+)", "USD"),  # a lookbehind's text is not in the match
        (r"[[:upper:]]USD (?P<rate>\d+)", None),  # POSIX class: beyond this reader
        (r"abc(", None),
        (r"USD{2,} (?P<rate>\d+)", "USD"),
        (r"USD{0,2}X (?P<rate>\d+)", None),  # `US` then optional `D`s
        (r"USD\.EUR (?P<rate>\d+)", "USD.EUR"),
    ],
)
def test_the_required_literal_of_a_pattern(pattern: str, literal: str | None) -> None:
    assert required_literal(pattern) == literal


ATOMS = st.sampled_from(
    [
        "USD", "KGS", "сом", " ", "=", "/", ".", r"\d+", r"[\d.]+", "[A-Z]{3}", r"\s*", "x?",
        "(?:ab|cd)", "(?P<g>EUR)", "(?:USD)?", "(?:KZT)+", "a{2}", "b{0,2}", r"\.", r"\b",
        "(?=US)", "(?<=K)", "(?:x|USD)", r"\x41", "{", "}", "{1}", "$", "^", "e*", "|",
    ]
)  # fmt: skip
TEXT = st.text(alphabet="USDKGEURZTAab.=/ 0123456789xсом{}", max_size=80)


# A literal between the atoms, so that most patterns have one to check: drawn from atoms
# alone, most patterns had none or did not compile, and Hypothesis' health check stopped
# the test for filtering out too many inputs.
LITERALS = st.sampled_from(["USD", "KGS/USD", "сом за 1", "rate = ", r"USD\.EUR"])


@fuzz
@given(
    st.lists(ATOMS, max_size=4),
    LITERALS,
    st.lists(ATOMS, max_size=4),
    st.lists(TEXT, max_size=4),
)
def test_every_match_contains_the_required_literal(
    before: list[str], middle: str, after: list[str], texts: list[str]
) -> None:
    pattern = "".join([*before, middle, *after])
    try:
        compiled = regex.compile(pattern)
    except regex.error:
        assume(False)
        return
    literal = required_literal(pattern)
    assume(literal is not None)
    assert literal is not None
    for text in [*texts, "".join(texts), f"x{literal}y"]:
        for match in compiled.finditer(text):
            assert literal in match.group(0), (pattern, text, match.group(0))
