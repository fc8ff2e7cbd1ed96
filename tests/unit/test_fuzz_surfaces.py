"""`make fuzz` runs every property that reads TICKERWATCH_FUZZ_EXAMPLES: a file left out of
its list would run its 200 fixed examples in `make test` and never the 10,000 random ones."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fuzz_target_files() -> set[str]:
    """The test files named in the Makefile's `fuzz` recipe."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^fuzz:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "no fuzz target in the Makefile"
    return set(re.findall(r"tests/\S+\.py", recipe.group(1)))


def test_make_fuzz_runs_every_file_with_fuzzed_properties() -> None:
    fuzzed = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if re.search(r"^from support\.fuzz import", path.read_text(), re.MULTILINE)
    }
    assert fuzzed, "no test file imports support.fuzz"
    assert sorted(fuzzed - fuzz_target_files()) == []
