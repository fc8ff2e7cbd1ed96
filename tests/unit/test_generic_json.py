"""A generic `format: json` source: JSON numbers are numbers (their `.` a decimal point,
whatever `decimal_mark` says of the strings), strings are printed numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tickerwatch.cli import main

CONFIG = """\
sources:
  - name: j
    url: https://j.example/
    format: json
    decimal_mark: ","
    extract: {items: rates, base: Ccy, quote: {fixed: KGS}, rate: Rate, nominal: Nominal}
"""


def test_json_numbers_and_printed_strings_read_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tw.yaml").write_text(CONFIG)
    body = tmp_path / "rates.json"
    body.write_text(
        '{"rates": [{"Ccy": "USD", "Rate": 87.450, "Nominal": 1},'
        ' {"Ccy": "EUR", "Rate": "101,5100", "Nominal": "1"},'
        ' {"Ccy": "KZT", "Rate": 1.5E1, "Nominal": 1e2}]}'
    )
    code = main(["parse", str(body), "--source", "j", "-c", str(tmp_path / "tw.yaml"), "--json"])
    read = json.loads(capsys.readouterr().out)
    assert code == 0 and read["unreadable"] == []
    assert [(q["base"], q["rate"], q["decimals"]) for q in read["quotes"]] == [
        ("USD", "87.450", 3),  # not 87450 by the comma rule, not ambiguous
        ("EUR", "101.5100", 4),
        ("KZT", "0.15", 2),
    ]


def test_expressions_that_cannot_run_are_config_errors_at_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "tw.yaml"
    config.write_text(
        "sources:\n"
        "  - name: x\n    url: https://x.example/\n    format: xml\n"
        "    extract: {items: //Currency, base: '@ISOCode', quote: {fixed: KGS},\n"
        "              rate: $foo}\n"
        "  - name: j\n    url: https://j.example/\n    format: json\n"
        "    extract: {items: rates, base: Ccy, quote: {fixed: KGS}, rate: nope(Rate)}\n"
    )
    assert main(["check-config", "-c", str(config)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{config}:6: sources[0].extract.rate: the XPath expression '$foo' cannot run:"
        " Undefined variable",
        f"{config}:10: sources[1].extract.rate: the JMESPath expression 'nope(Rate)' cannot"
        " run: Unknown function: nope()",
    ]


def test_an_expression_that_fails_on_the_data_fails_the_read_with_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "tw.yaml"
    config.write_text(CONFIG.replace("rate: Rate", "rate: abs(Ccy)"))
    body = tmp_path / "rates.json"
    body.write_text('{"rates": [{"Ccy": "USD", "Rate": 87.45, "Nominal": 1}]}')
    assert main(["parse", str(body), "--source", "j", "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert "the JMESPath expression 'abs(Ccy)' failed here: " in err
    assert "Traceback" not in err
