"""`python -m support.slowreads ARGS…`: tickerwatch whose history-API reads
(`HistoryDB.history`) wait until the file $TICKERWATCH_RELEASE exists (at most 30 s), as a
read of a very large page on a slow disk would. Where the read runs decides what waits."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from tickerwatch import cli
from tickerwatch.core.model import Pair
from tickerwatch.store import sqlite
from tickerwatch.store.sqlite import HistoryDB, HistoryRow

RELEASE = Path(os.environ.get("TICKERWATCH_RELEASE", "release"))


class SlowReads(HistoryDB):
    def history(
        self, source: str | None, pair: Pair | None, since: float, until: float, limit: int
    ) -> list[HistoryRow]:
        deadline = time.monotonic() + 30
        while not RELEASE.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return super().history(source, pair, since, until, limit)


if __name__ == "__main__":
    sqlite.HistoryDB = SlowReads  # type: ignore[misc]  # what the store opens
    sys.exit(cli.main())
