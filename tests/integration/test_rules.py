"""`tickerwatch rules` output checked and unit-tested by the real promtool."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def rules_for(config: Path, out: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "rules", "-c", str(config)],
        capture_output=True, text=True, timeout=30, check=True,
        env={"PATH": "/usr/bin:/bin", "TICKERWATCH_DEMO_URL": "http://127.0.0.1:1"},
    )  # fmt: skip
    out.write_text(done.stdout)
    return out


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60)


def test_generated_rules_pass_promtool_unit_tests(tmp_path: Path) -> None:
    rules = rules_for(ROOT / "tests" / "rules" / "tickerwatch.yaml", tmp_path / "rules.yml")
    shutil.copy(ROOT / "tests" / "rules" / "thresholds_test.yml", tmp_path)
    check = promtool("check", "rules", str(rules))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 8 rules found" in check.stdout
    test = promtool("test", "rules", str(tmp_path / "thresholds_test.yml"))
    assert test.returncode == 0, test.stdout + test.stderr


@pytest.mark.parametrize("name", ["tickerwatch.yaml", "demo.yaml"])
def test_shipped_configs_give_valid_rules(tmp_path: Path, name: str) -> None:
    rules = rules_for(ROOT / "config" / name, tmp_path / "rules.yml")
    check = promtool("check", "rules", str(rules))
    assert check.returncode == 0, check.stdout + check.stderr
