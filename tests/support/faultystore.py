"""`python -m support.faultystore ARGS…`: tickerwatch (`tickerwatch ARGS…`) whose history
store fails every read of the sources named in $TICKERWATCH_FAIL_READS (comma-separated)
with the StoreError a failing disk gives. A real SQLite file cannot fail on demand for one
source, so this is the one place a fault is injected into the store.
"""

from __future__ import annotations

import os
import sys

from tickerwatch import cli
from tickerwatch.core.errors import StoreError
from tickerwatch.engine import service as service_module
from tickerwatch.store.sqlite import HistoryRow, Store

FAILING = frozenset(filter(None, os.environ.get("TICKERWATCH_FAIL_READS", "").split(",")))


class FaultyStore(Store):
    async def latest(self, source: str) -> list[HistoryRow]:
        if source in FAILING:
            raise StoreError("history database error: disk I/O error (injected)")
        return await super().latest(source)


if __name__ == "__main__":
    service_module.Store = FaultyStore  # type: ignore[misc]  # what the service opens
    sys.exit(cli.main())
