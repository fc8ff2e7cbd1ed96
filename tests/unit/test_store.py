"""Run-length history in a real SQLite file."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from tickerwatch.core.errors import StoreError
from tickerwatch.core.model import Pair, PrintedRate
from tickerwatch.store.schema import SCHEMA_VERSION
from tickerwatch.store.sqlite import HistoryDB, OutboxItem

KZT = Pair("KZT", "USD")
DAY = 86400.0


def quote(rate: str, change: str = "0") -> PrintedRate:
    return PrintedRate(KZT, Decimal(rate), Decimal(change), 5, copies=8)


@pytest.fixture
def db(tmp_path: Path) -> HistoryDB:
    return HistoryDB(tmp_path / "h.db")


def test_a_new_row_only_when_the_printed_value_changes(db: HistoryDB) -> None:
    for t, (rate, change) in enumerate(
        [
            ("0.00196", "0"),
            ("0.00196", "0"),
            ("0.00196", "-0"),
            ("0.00197", "-0"),
            ("0.00197", "-0"),
        ]
    ):
        db.record("s", [quote(rate, change)], 1000.0 + t, {})
    rows = db.history("s", KZT, 0, 2000, 100)
    assert [(str(r.rate), str(r.change_pct), r.first_seen, r.last_seen) for r in rows] == [
        ("0.00196", "0", 1000.0, 1001.0),
        ("0.00196", "-0", 1002.0, 1002.0),
        ("0.00197", "-0", 1003.0, 1004.0),
    ]


def test_touch_moves_only_the_given_rows_forward(db: HistoryDB) -> None:
    (kzt,) = db.record("s", [quote("0.00196")], 10.0, {})
    other = PrintedRate(Pair("KGS", "USD"), Decimal("0.01144"), Decimal("0"), 5, 8)
    db.record("s", [other], 10.0, {})
    db.touch([kzt.row_id], 50.0)
    rows = {str(r.pair): r.last_seen for r in db.latest("s")}
    assert rows == {"KZT/USD": 50.0, "KGS/USD": 10.0}
    db.touch([kzt.row_id], 40.0)  # never backwards
    assert {str(r.pair): r.last_seen for r in db.latest("s")}["KZT/USD"] == 50.0


def test_stats_previous_value_changed_time_and_windows(db: HistoryDB) -> None:
    db.record("s", [quote("0.00200")], 0.0, {})
    db.record("s", [quote("0.00200")], DAY - 10, {})
    db.record("s", [quote("0.00196", "-2")], DAY, {})
    (stats,) = db.record("s", [quote("0.00196", "-2")], DAY + 60, {"24h": DAY, "7d": 7 * DAY})
    assert stats.previous == Decimal("0.00200")
    assert stats.changed_at == DAY
    assert stats.window_rates == {"24h": Decimal("0.00200"), "7d": None}


def test_a_changed_printed_change_alone_does_not_move_changed_at(db: HistoryDB) -> None:
    db.record("s", [quote("0.00196", "0")], 10.0, {})
    (stats,) = db.record("s", [quote("0.00196", "-0")], 20.0, {})
    assert stats.changed_at == 10.0 and stats.previous is None


def test_history_survives_closing_and_reopening(tmp_path: Path) -> None:
    first = HistoryDB(tmp_path / "h.db")
    first.record("s", [quote("0.00196")], 100.0, {})
    first.close()
    again = HistoryDB(tmp_path / "h.db")
    (row,) = again.latest("s")
    assert (row.pair, str(row.rate), row.last_seen) == (KZT, "0.00196", 100.0)
    with sqlite3.connect(tmp_path / "h.db") as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_prune_drops_old_rows_but_keeps_each_series_newest(db: HistoryDB) -> None:
    db.record("s", [quote("0.00190")], 0.0, {})
    db.record("s", [quote("0.00191")], 10.0, {})
    db.record("s", [quote("0.00192")], 20.0, {})
    assert db.prune(before=15.0) == 2
    assert db.prune(before=1e9) == 0
    assert [str(r.rate) for r in db.history(None, None, 0, 1e9, 10)] == ["0.00192"]


def test_a_database_from_a_newer_tickerwatch_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "new.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="schema version 99"):
        HistoryDB(path)


def test_an_sqlite_library_too_old_for_the_queries_is_refused_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))  # RHEL 9's
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.34.1")
    with pytest.raises(StoreError, match=r"SQLite 3\.34\.1 is too old: tickerwatch needs 3\.38\.0"):
        HistoryDB(tmp_path / "h.db")


def test_an_unwritable_place_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot open"):
        HistoryDB(tmp_path / "file" / "h.db")


def test_outbox_drop_others_drops_only_the_pending_rows_of_other_receivers(
    db: HistoryDB,
) -> None:
    rows = [OutboxItem(r, f"k{i}", "{}", 1.0) for i, r in enumerate(["ops", "old", "old", "x"])]
    db.save_alerts({}, [*rows, OutboxItem("old", "k4", "{}", 1.0)])
    db.outbox_done(5, 2.0)  # delivered: not counted, not touched
    assert db.outbox_drop_others(frozenset({"ops"}), 3.0, "receiver_removed") == {"old": 2, "x": 1}
    assert [db.outbox_length(r) for r in ("ops", "old", "x")] == [1, 0, 0]
    assert db.outbox_drop_others(frozenset(), 4.0, "receiver_removed") == {"ops": 1}
    assert db.outbox_drop_others(frozenset(), 5.0, "receiver_removed") == {}


# ------------------------------------------------------------------ feeds (schema 3)

USD_KGS = Pair("USD", "KGS")
MAY_24, MAY_25 = 1779559200.0, 1779645600.0


def feed_rate(rate: str, effective: float | None, change: str | None = None) -> PrintedRate:
    absolute = None if change is None else Decimal(change)
    return PrintedRate(USD_KGS, Decimal(rate), None, 4, 1, change_abs=absolute, effective=effective)


def test_a_feed_rate_keeps_no_percent_an_absolute_change_and_its_date(db: HistoryDB) -> None:
    db.record("nbk", [feed_rate("87.4500", MAY_24, "-0.0300")], 10.0, {})
    (row,) = db.latest("nbk")
    assert (row.change_pct, row.change_abs, row.effective) == (None, Decimal("-0.0300"), MAY_24)
    assert row.printed.value == feed_rate("87.4500", MAY_24, "-0.0300").value


def test_history_is_keyed_on_the_effective_date_not_the_poll_time(db: HistoryDB) -> None:
    for now, effective in [(10.0, MAY_24), (20.0, MAY_24), (30.0, MAY_25), (40.0, MAY_25)]:
        db.record("nbkr", [feed_rate("87.4500", effective)], now, {})
    rows = db.history("nbkr", USD_KGS, 0, 100, 10)
    assert [(r.effective, r.first_seen, r.last_seen) for r in rows] == [
        (MAY_24, 10.0, 20.0),
        (MAY_25, 30.0, 40.0),
    ]
    stats = db.stats("nbkr", USD_KGS, Decimal("87.45"), 50.0, {})
    assert (stats.changed_at, stats.previous) == (10.0, None)  # the rate never changed


def test_a_schema_2_database_is_migrated_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE history (id INTEGER PRIMARY KEY, source TEXT NOT NULL, base TEXT NOT"
            " NULL, quote TEXT NOT NULL, rate TEXT NOT NULL, change_pct TEXT NOT NULL, decimals"
            " INTEGER NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL);"
            "CREATE TABLE alerts (id TEXT PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL);"
            "INSERT INTO history VALUES (1, 's', 'KZT', 'USD', '0.00196', '-0', 5, 1.0, 2.0);"
            "PRAGMA user_version = 2;"
        )
    db = HistoryDB(path)
    (row,) = db.latest("s")
    assert (str(row.rate), str(row.change_pct), row.change_abs, row.effective) == (
        "0.00196",
        "-0",
        None,
        None,
    )
    db.record("s", [quote("0.00196", "-0")], 3.0, {})  # the same printed value: no new row
    assert [r.last_seen for r in db.history("s", KZT, 0, 10, 10)] == [3.0]
    (version,) = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()
    assert version == SCHEMA_VERSION
