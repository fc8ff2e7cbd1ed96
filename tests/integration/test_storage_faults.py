"""Faults of the history database under the real service: a second tickerwatch on the same
file, a corrupt file at start."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.httpserver import PageServer
from support.service import Service, config_text


@pytest.fixture
def first(tmp_path: Path, site: PageServer) -> Iterator[Service]:
    svc = Service(tmp_path, config_text(f"  - name: timesca\n    url: {site.url('/')}\n"))
    try:
        yield svc.start()
    finally:
        svc.close()


def run_second(config: Path) -> subprocess.CompletedProcess[str]:
    """`tickerwatch run` on `config`, to its end (at most 20 s)."""
    command = [sys.executable, "-m", "tickerwatch", "run", "-c", str(config)]
    return subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)


def test_a_second_tickerwatch_on_the_same_database_refuses_to_start(
    tmp_path: Path, first: Service
) -> None:
    assert first.proc is not None
    (tmp_path / "second").mkdir()
    other = Service(tmp_path / "second", first.config.read_text())  # another port
    other.config.write_text(first.config.read_text().replace(str(first.port), str(other.port)))
    done = run_second(other.config)
    assert done.returncode == 1, done.stderr
    assert str(first.db) in done.stderr
    assert f"pid {first.proc.pid}" in done.stderr
    assert first.get("/readyz").status_code == 200  # the first runs on
    first.stop()
    second = other.start()  # the lock goes with its holder
    second.close()
