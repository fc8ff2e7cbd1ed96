"""Other sites' widgets, configured by a pattern alone: one code fixed in config, the value
before the code, no change or an absolute one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickerwatch.config import load_settings
from tickerwatch.core.errors import ConfigError, ParseError
from tickerwatch.core.parse import Widget, compile_pattern, parse_text

KGS_SITE = "<div class=rates><span>USD 87.45</span> <span>EUR 101.51</span></div>"


def read(page: str, pattern: str, widget: Widget) -> list[tuple[str, str, str | None, str | None]]:
    ticker = parse_text(page, "text/html", compile_pattern(pattern, widget), widget=widget)
    return [
        (str(e.pair), str(e.rate), e.change_pct and str(e.change_pct),
         e.change_abs and str(e.change_abs))
        for e in ticker.entries
    ]  # fmt: skip


def test_a_page_that_prints_only_the_foreign_code_gets_its_quote_from_config() -> None:
    widget = Widget(quote="KGS")
    assert read(KGS_SITE, r"(?P<base>[A-Z]{3}) (?P<rate>\d+\.\d+)", widget) == [
        ("USD/KGS", "87.45", None, None),
        ("EUR/KGS", "101.51", None, None),
    ]


def test_the_value_may_come_before_the_code() -> None:
    page = "<p>87,45 сом за 1 USD · 101,51 сом за 1 EUR</p>"
    pattern = r"(?P<rate>\d+,\d+) сом за 1 (?P<base>[A-Z]{3})"
    assert [r[:2] for r in read(page, pattern, Widget(quote="KGS"))] == [
        ("USD/KGS", "87.45"),
        ("EUR/KGS", "101.51"),
    ]


def test_an_absolute_change_is_read_as_one() -> None:
    page = "<li>USD 87.45 -6.38</li><li>EUR 101.51 +0.12</li>"
    pattern = r"(?P<base>[A-Z]{3}) (?P<rate>\d+\.\d+) (?P<change>[-+]\d+\.\d+)"
    widget = Widget(quote="KGS", absolute_change=True)
    assert read(page, pattern, widget) == [
        ("USD/KGS", "87.45", None, "-6.38"),
        ("EUR/KGS", "101.51", None, "0.12"),
    ]


def test_both_codes_may_be_fixed_for_a_single_rate() -> None:
    page = "<p>Курс доллара: 87.45</p>"
    widget = Widget(base="USD", quote="KGS")
    assert read(page, r"доллара: (?P<rate>\d+\.\d+)", widget) == [("USD/KGS", "87.45", None, None)]


def write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "tw.yaml"
    path.write_text(f"sources:\n  - {{name: w, url: 'https://w.example/', {source}}}\n")
    return path


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("format: timesca, quote: KGS", "base, quote and change_unit go with a pattern"),
        ("pattern: '(?P<rate>\\d+)'", "missing base, quote"),
        ("pattern: '(?P<rate>\\d+)', quote: KGS", "missing base"),
        ("pattern: '(?P<base>[A-Z]+)', quote: KGS", "missing rate"),
        ("pattern: '(?P<base>x)(?P<rate>1)', quote: kgs", "quote"),
        (
            "pattern: '(?P<base>[A-Z]{3}) (?P<rate>[0-9.]+) (?P<quote>[A-Z]{3})', quote: EUR",
            "quote is fixed to EUR and also a group of the pattern; remove one of them",
        ),
        (
            "pattern: 'x (?P<rate>[0-9.]+)', base: USD, quote: USD",
            "base and quote are both USD: a pair needs two currencies",
        ),
        (
            "pattern: '(?P<base>[A-Z]{3}) (?P<rate>[0-9.]+)', quote: KGS, change_unit: absolute",
            "change_unit: absolute needs a change group in the pattern",
        ),
    ],
)
def test_a_widget_config_says_what_is_missing(tmp_path: Path, source: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, source), environ={})
    assert problem in "\n".join(caught.value.problems)


def test_a_widget_source_is_built_with_its_fixed_codes(tmp_path: Path) -> None:
    source = "pattern: '(?P<base>[A-Z]{3}) (?P<rate>[0-9.]+) (?P<change>[-+][0-9.]+)', "
    source += "quote: KGS, change_unit: absolute"
    (built,) = load_settings(write(tmp_path, source), environ={}).sources
    assert built.widget == Widget(quote="KGS", absolute_change=True)
    assert built.format == "pattern"


def test_a_pattern_that_backtracks_for_ever_fails_the_read_instead_of_hanging() -> None:
    widget = Widget(quote="KGS")
    # (`(\d+)+x`, which Python's `re` never finishes on a long number, the regex library
    # reads at once; this one it does not finish either.)
    pattern = compile_pattern(r"(?P<base>[A-Z]{3}) (?P<rate>\d)(?:.*?,){15}P", widget)
    page = "<p>USD 1" + "1," * 40 + "</p>"
    with pytest.raises(ParseError) as caught:
        parse_text(page, "text/html", pattern, widget=widget)
    assert caught.value.reason == "timeout"
    assert "backtracks" in caught.value.message
