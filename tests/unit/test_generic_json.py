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
