"""DESIGN: the pure modules never do IO; they do not even import the IO libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest

IO_LIBRARIES = ("asyncio", "httpx", "prometheus_client", "structlog", "sqlite3", "uvicorn")


@pytest.mark.parametrize(
    "module",
    [
        "tickerwatch.core.parse",
        "tickerwatch.core.dedup",
        "tickerwatch.core.alerts",
        "tickerwatch.core.model",
    ],
)
def test_pure_modules_import_no_io_library(module: str) -> None:
    probe = f"import sys, {module}; print(sorted(m for m in {IO_LIBRARIES!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
