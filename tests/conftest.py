"""Hypothesis in `make test` is derandomized: the same examples on every run, so CI fails
only when the code changed. `make fuzz` (TICKERWATCH_FUZZ_EXAMPLES set) explores at random,
and prints the blob to reproduce what it finds."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("test", derandomize=True, database=None)
settings.register_profile("fuzz", derandomize=False, database=None, print_blob=True)
settings.load_profile("fuzz" if os.environ.get("TICKERWATCH_FUZZ_EXAMPLES") else "test")
