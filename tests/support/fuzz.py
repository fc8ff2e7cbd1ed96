"""How hard to fuzz: TICKERWATCH_FUZZ_EXAMPLES examples per surface (10,000 in `make fuzz`).

Whether examples are random comes from the profile tests/conftest.py loads (fixed in `make
test`, random in `make fuzz`); `fuzz` must not set it, or it would override the profile."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("TICKERWATCH_FUZZ_EXAMPLES", "200"))
# A generous per-example deadline: an example that takes longer than this is a hang.
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
