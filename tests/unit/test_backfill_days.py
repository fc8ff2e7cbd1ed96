"""`tickerwatch backfill` refuses days that cannot have a file of their own: before
1990-01-01 or after today in the source's time zone. Those are listed, never fetched (the
URL points at a port nothing listens on: a fetch would fail) and never remembered."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from support.feeds import source
from tickerwatch.backfill import backfill, days
from tickerwatch.store.sqlite import HistoryDB

NOW = 1765152000.0 + 20 * 3600  # 2025-12-08 20:00 UTC: 2025-12-09 02:00 in Bishkek


def test_days_out_of_range_are_skipped_not_fetched(tmp_path: Path) -> None:
    nbt = replace(source("nbt", url="http://127.0.0.1:9/%Y-%m-%d.xml"), timezone="Asia/Bishkek")
    db = HistoryDB(tmp_path / "h.db")
    wanted = [date(1989, 12, 31), *days(date(2025, 12, 10), date(2025, 12, 11))]
    result = backfill(db, nbt, wanted, 0.0, now=NOW)
    assert (result.imported, result.failed) == ([], [])
    assert result.skipped == [
        (date(1989, 12, 31), "before 1990-01-01: cannot be right"),
        (date(2025, 12, 10), "after today (2025-12-09): the feed has no file for it yet"),
        (date(2025, 12, 11), "after today (2025-12-09): the feed has no file for it yet"),
    ]
    assert "skipped 2025-12-10: after today" in "\n".join(result.lines())
    assert db.import_origins("nbt") == set()
    today = backfill(db, nbt, [date(2025, 12, 9)], 0.0, now=NOW)  # today: fetched (and fails)
    assert [d for d, _ in today.failed] == [date(2025, 12, 9)]
