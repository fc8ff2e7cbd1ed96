"""The feed reader's shortcuts read exactly what the general path reads, which is kept here
as the reference: a plain printed number (Decimal) against the number reader, a bare
JMESPath name and `@` against jmespath's interpreter, and an unreadable entry's text,
shown only when needed, against showing every entry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jmespath
from hypothesis import example, given
from hypothesis import strategies as st

from support.fuzz import fuzz
from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse.feed import FeedReading, _number, feed_ticker
from tickerwatch.core.parse.number import NumberError, read_number
from tickerwatch.sources.cbu import JSON
from tickerwatch.sources.documents import cut
from tickerwatch.sources.extract import jmes, json_entries


def outcome(read: Any, *args: Any) -> tuple[str, str]:
    """What a reading gives: the value as printed (sign and exponent too), or the error."""
    try:
        return "value", repr(read(*args))
    except NumberError as exc:
        return exc.reason, str(exc)


PRINTED = st.text(alphabet="0123456789.-,+ ٣\u00a0", max_size=12)


@fuzz
@given(PRINTED, st.sampled_from([".", ",", None]))
@example("12194.21", None)
@example("-0", ".")
@example("1.234", ",")
@example("1.234", None)
@example("0.123", ",")
@example("00.123", ",")
@example("0012.5", None)
def test_a_plain_number_reads_as_the_number_reader_reads_it(printed: str, mark: Any) -> None:
    assert outcome(_number, printed, mark) == outcome(read_number, printed, mark)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["Rate", "Ccy", "true", "_a1", "x"]), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
NAMES = st.sampled_from(["@", "Rate", "Ccy", "true", "null", "_a1", "x", "Rate.x", "[0]"])


@given(NAMES, JSON_VALUES)
@example("Rate", {"Rate": "1"})
@example("Rate", ["Rate"])
@example("@", [1, 2])
def test_a_bare_name_reads_as_jmespath_reads_it(expression: str, doc: Any) -> None:
    assert jmes(expression)(doc) == jmespath.search(expression, doc)


GOOD = "12194.21"


@given(st.lists(st.sampled_from(["12194.21", "n/a", "", "0"]), min_size=1))
def test_an_unreadable_entry_shows_as_it_is_printed(rates: list[str]) -> None:
    doc = [
        {"Ccy": "USD", "Nominal": "1", "Rate": r, "Diff": "1", "Date": "01.04.2026"} for r in rates
    ]
    reading = FeedReading(".", 2, dated=True, date_format="%d.%m.%Y")
    try:
        ticker = feed_ticker(json_entries(doc, JSON), reading)
    except ParseError as exc:  # none readable: the first entry is shown in the message
        assert cut(doc[0]) in str(exc)
        return
    assert [u.text for u in ticker.unreadable] == [cut(d) for d in doc if d["Rate"] != GOOD]
    assert [e.rate for e in ticker.entries] == [Decimal(GOOD) for d in doc if d["Rate"] == GOOD]
