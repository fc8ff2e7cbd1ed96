"""`tickerwatch export` refuses what it cannot do well with one line and a non-zero exit:
a reversed or non-finite window, a step that leaves gaps in Prometheus, an unknown source,
a database that does not exist (not created empty), an output it cannot write."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickerwatch.cli import main
from tickerwatch.store.sqlite import HistoryDB


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "tickerwatch.yaml"
    path.write_text(
        f"storage: {{path: {tmp_path / 'tw.db'}}}\nsources:\n"
        "  - {name: timesca, url: 'http://127.0.0.1:9/', pairs: [KGS/USD]}\n"
    )
    return path


def export(config: Path, *args: str) -> list[str]:
    return ["export", "-c", str(config), "--openmetrics", *args]


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("--since", "2026-01-02", "--until", "2026-01-01"), 2, "--since 2026-01-02 is after"),
        (("--since", "nan"), 2, "--since nan: out of range"),
        (("--until", "inf"), 2, "--until inf: out of range"),
        (("--step", "5m"), 2, "--step: longer than 0s and shorter than 5m"),
        (("--source", "nosuch"), 1, "no source named 'nosuch' in the config or the history"),
        (("-o", "/nonexistent/x.om"), 1, "cannot write /nonexistent/x.om: No such file"),
    ],
)
def test_a_bad_export_is_one_line(
    config: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: int, said: str
) -> None:
    HistoryDB(config.parent / "tw.db").close()
    assert main(export(config, *args)) == code
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1


def test_no_database_is_said_and_not_created(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(export(config, "-o", str(config.parent / "x.om"))) == 1
    assert f"no history database at {config.parent / 'tw.db'}" in capsys.readouterr().err
    assert not (config.parent / "tw.db").exists()
    HistoryDB(config.parent / "tw.db").close()
    assert main(export(config, "--step", "4m", "-o", str(config.parent / "x.om"))) == 0
    assert (config.parent / "x.om").read_text().endswith("# EOF\n")


def test_an_export_to_stdout_leaves_it_open(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    HistoryDB(config.parent / "tw.db").close()
    assert main(export(config)) == 0
    print("still open")
    assert capsys.readouterr().out.endswith("# EOF\nstill open\n")
