"""Each file in tests/fixtures/bad-configs is a mistake people make, with what
`tickerwatch check-config` must say about it in its first lines (the blackbox_exporter way):

    # error: LINE: key.path: problem      (exit 1)
    # warning: LINE: key.path: problem    (printed as `warning: FILE:LINE: …`)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tickerwatch.cli import main

CASES = sorted((Path(__file__).parents[1] / "fixtures" / "bad-configs").glob("*.yaml"))


def expected(path: Path) -> tuple[list[str], list[str]]:
    errors, warnings = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# error: "):
            errors.append(f"{path}:{line.removeprefix('# error: ')}")
        elif line.startswith("# warning: "):
            warnings.append(f"warning: {path}:{line.removeprefix('# warning: ')}")
    return errors, warnings


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_check_config_says_what_is_wrong_and_where(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TICKERWATCH_TEST_UNSET_HOOK", raising=False)
    errors, warnings = expected(path)
    assert errors or warnings, f"{path.name} says nothing it expects"

    code = main(["check-config", "-c", str(path)])

    said = capsys.readouterr().err.splitlines()
    assert said == errors + warnings
    assert code == (1 if errors else 0)


def test_a_missing_file_has_no_line_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "tickerwatch.yaml"
    assert main(["check-config", "-c", str(missing)]) == 1
    assert (
        capsys.readouterr().err == f"{missing}: cannot read the file: no such file or directory\n"
    )


def test_warnings_alone_let_the_file_load(capsys: pytest.CaptureFixture[str]) -> None:
    path = next(p for p in CASES if p.stem == "change-window-not-in-windows")
    assert main(["check-config", "-c", str(path)]) == 0
    assert f"{path}: ok (2 sources, 1 warning)" in capsys.readouterr().out


def test_one_source_is_not_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tw.yaml"
    path.write_text("sources:\n  - {name: a, url: 'https://a.example/'}\n", encoding="utf-8")
    assert main(["check-config", "-c", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok (1 source)\n")
