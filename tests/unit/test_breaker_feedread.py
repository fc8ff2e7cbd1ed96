"""The breaker's attacks on the feed reading shortcuts (a plain number read by Decimal, a
bare JMESPath name and `@` read directly): printed numbers and expressions that look
plain but are not, against the general path (read_number, jmespath's interpreter)."""

from __future__ import annotations

from typing import Any

import jmespath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse.feed import _number
from tickerwatch.core.parse.number import NumberError, read_number
from tickerwatch.sources.extract import jmes

TRICKY = [
    "1e3", "1E3", "1e-3", " 12.5", "12.5 ", "12.5\n", "\n12.5", "12.50", "-0", "-0.000",
    "+12.5", "+0", "1_000", "1_000.5", "٣", "١٢٫٥", "12,5", "12,500", "NaN", "nan", "-NaN",
    "Infinity", "-Infinity", "inf", "sNaN", "1e999999999", "9" * 400, "0." + "0" * 60 + "1",
    "0" * 30 + "1.5", "12.345", "0.345", "-0.345", "00.345", "1.234.5", ".5", "5.", "-.5",
    "--5", "½", "1\u00a0000", "12.5%", "0x1F", "1" * 5000,
]  # fmt: skip


def outcome(read: Any, *args: Any) -> tuple[str, str]:
    try:
        return "value", repr(read(*args))
    except NumberError as exc:
        return exc.reason, str(exc)


@pytest.mark.parametrize("mark", [".", ",", None])
@pytest.mark.parametrize("printed", TRICKY)
def test_numbers_that_look_plain_read_as_the_number_reader_reads_them(
    printed: str, mark: Any
) -> None:
    assert outcome(_number, printed, mark) == outcome(read_number, printed, mark)


@given(
    st.text(alphabet="0123456789.-+eE_nNaIfity ,", max_size=30),
    st.sampled_from([".", ",", None]),
)
def test_printed_numbers_with_letters_read_as_the_number_reader_reads_them(
    printed: str, mark: Any
) -> None:
    assert outcome(_number, printed, mark) == outcome(read_number, printed, mark)


NAMES = [
    "@", "Rate", "rate", "_", "__proto__", "get", "keys", "true", "false", "null", '"Rate"',
    '"Ra.te"', '"Raté"', "Ratè", "Rate ", " Rate", "Rate\n", "Ra.te", "Rate[0]", "Rate-1",
    "1Rate", "`1`", "'Rate'", "@.Rate", "Rate.@", "ß", "Rate|@", "Rate || x", "*", "[]",
]  # fmt: skip
DOCS: list[Any] = [
    {"Rate": "1", "rate": 2, "_": None, "__proto__": {}, "get": True, "keys": [1],
     "true": "t", "Ra.te": "dot", "Raté": "é", "ß": 1.5, "Ra": {"te": "nested"}, "x": "x"},
    {"Rate": {"Rate": ["1"]}}, {"Rate": None}, {"Rate": False}, {"Rate": 0}, {"Rate": ""},
    [{"Rate": "1"}], ["Rate"], "Rate", 12.5, None, True, {},
]  # fmt: skip


def search(expression: str, doc: Any) -> tuple[str, Any]:
    try:
        return "value", jmespath.search(expression, doc)
    except jmespath.exceptions.JMESPathError as exc:
        return "error", type(exc).__name__


def ours(expression: str, doc: Any) -> tuple[str, Any]:
    try:
        run = jmes(expression)
    except jmespath.exceptions.JMESPathError as exc:
        return "error", type(exc).__name__
    try:
        return "value", run(doc)
    except ParseError:
        return "error", "at run"


@pytest.mark.parametrize("expression", NAMES)
def test_names_that_look_bare_read_as_jmespath_reads_them(expression: str) -> None:
    for doc in DOCS:
        got, want = ours(expression, doc), search(expression, doc)
        assert got[0] == want[0] and got[1] == want[1] and type(got[1]) is type(want[1]), doc
