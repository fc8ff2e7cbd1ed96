"""The number reader against Babel (CLDR): numbers formatted in every locale Babel knows, in
Latin and native digits, read back to the same value; and arbitrary text never raises
anything but the reader's own NumberError."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale, localedata
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from hypothesis import assume, given
from hypothesis import strategies as st

from support.fuzz import fuzz
from tickerwatch.core.parse.number import (
    NumberError,
    decimal_mark_of,
    page_decimal_mark,
    read_number,
)

# Every locale but Toki Pona, whose CLDR pattern groups digits in twos (#,#0.###): no one
# prints an exchange rate that way, and accepting it would make 0.0.1 a number.
LOCALES = sorted(set(localedata.locale_identifiers()) - {"tok", "tok_001"})
NUMBERING = st.sampled_from(["latn", "default"])
AMOUNTS = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=5, allow_nan=False
) | st.decimals(min_value=0, max_value=Decimal("1e6"), places=2, allow_nan=False)


def printed(value: Decimal, locale: str, numbering: str) -> tuple[str, str]:
    """`value` as CLDR prints it in `locale`, every digit kept, and that locale's decimal
    symbol."""
    loc = Locale.parse(locale)
    # Babel 2.19 groups only the last three digits when the group symbol is an apostrophe
    # (de_CH: 1000000'000, where CLDR and ICU print 1'000'000'000): below a million it is right.
    assume(abs(value) < 10**6 or get_group_symbol(loc, numbering_system=numbering) != "'")
    text = format_decimal(value, locale=loc, numbering_system=numbering, decimal_quantization=False)
    return text, get_decimal_symbol(loc, numbering_system=numbering)


@fuzz
@given(value=AMOUNTS, locale=st.sampled_from(LOCALES), numbering=NUMBERING)
def test_what_babel_prints_in_any_locale_reads_back(
    value: Decimal, locale: str, numbering: str
) -> None:
    text, symbol = printed(value, locale, numbering)
    hint = symbol if symbol in (".", ",") else None
    assert read_number(text, hint) == value, text  # type: ignore[arg-type]


@fuzz
@given(value=AMOUNTS, locale=st.sampled_from(LOCALES), numbering=NUMBERING)
def test_without_a_hint_a_number_is_read_right_or_refused_as_ambiguous(
    value: Decimal, locale: str, numbering: str
) -> None:
    text, _ = printed(value, locale, numbering)
    try:
        assert read_number(text) == value, text
    except NumberError as exc:
        assert exc.reason == "ambiguous", (text, exc)


@fuzz
@given(
    values=st.lists(AMOUNTS, min_size=2, max_size=10),
    locale=st.sampled_from(LOCALES),
)
def test_a_page_in_one_locale_never_decides_the_wrong_mark(
    values: list[Decimal], locale: str
) -> None:
    texts = [printed(v, locale, "latn")[0] for v in values]
    symbol = get_decimal_symbol(Locale.parse(locale), numbering_system="latn")
    mark = page_decimal_mark(texts)
    assume(mark is not None)
    assert mark == symbol
    assert [read_number(t, mark) for t in texts] == values


@fuzz
@given(
    st.text(
        alphabet=st.sampled_from("0123456789.,'  \u00a0\u202f-+\u2212\u200e\u066b\u066c٣x%e"),
        max_size=30,
    )
    | st.text(max_size=30)
)
def test_any_text_reads_or_raises_number_error(text: str) -> None:
    try:
        value = read_number(text)
    except NumberError:
        return
    assert value.is_finite()
    decimal_mark_of(text)
