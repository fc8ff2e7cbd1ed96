"""Imported sightings in a real SQLite file, next to live rows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tickerwatch.core.merge import Sighting
from tickerwatch.core.model import Pair, PrintedRate
from tickerwatch.store.sqlite import HistoryDB

KZT = Pair("KZT", "USD")


def quote(rate: str, change: str = "0") -> PrintedRate:
    return PrintedRate(KZT, Decimal(rate), Decimal(change), 5, copies=8)


def page(at: float, rate: str) -> tuple[Sighting, str]:
    return Sighting(at, quote(rate)), f"page-{at}.html"


@pytest.fixture
def db(tmp_path: Path) -> HistoryDB:
    return HistoryDB(tmp_path / "h.db")


def table(db: HistoryDB) -> list[tuple[float, float, str, bool]]:
    return [(r.first_seen, r.last_seen, str(r.rate), r.imported)
            for r in db.history("s", KZT, 0, 1e12, 100)]  # fmt: skip


def test_an_import_twice_changes_nothing_and_live_rows_stay(db: HistoryDB) -> None:
    db.record("s", [quote("0.00197")], 1000.0, {})
    db.record("s", [quote("0.00197")], 1100.0, {})
    pages = [page(100, "0.00196"), page(500, "0.00196"), page(300, "0.00194")]
    pages += [page(1050, "0.00194"), page(1050, "0.00197")]  # inside the live row
    first = db.import_sightings("s", pages)
    assert (first.new, first.absorbed, len(first.conflicts)) == (5, 1, 1)
    expected = [
        (100.0, 100.0, "0.00196", True),
        (300.0, 300.0, "0.00194", True),
        (500.0, 500.0, "0.00196", True),
        (1000.0, 1100.0, "0.00197", False),
    ]
    assert table(db) == expected
    again = db.import_sightings("s", pages)
    assert (again.new, again.repeated, again.rows) == (0, 5, 0)
    assert table(db) == expected


def test_a_poll_after_an_imported_newest_row_starts_a_live_row(db: HistoryDB) -> None:
    db.record("s", [quote("0.00196")], 1000.0, {})
    db.import_sightings("s", [page(1500, "0.00196")])
    assert [r.first_seen for r in db.latest("s")] == [1000.0]  # what the last poll showed
    db.record("s", [quote("0.00196")], 2000.0, {})
    assert table(db) == [
        (1000.0, 1000.0, "0.00196", False),
        (1500.0, 1500.0, "0.00196", True),
        (2000.0, 2000.0, "0.00196", False),
    ]
    db.import_sightings("s", [page(1700, "0.00196")])  # rebuilt, the live rows untouched
    assert table(db)[1] == (1500.0, 1700.0, "0.00196", True)
    assert [r.first_seen for r in db.latest("s")] == [2000.0]


def test_prune_drops_old_imports_and_keeps_the_newest_live_row(db: HistoryDB) -> None:
    db.import_sightings("s", [page(10, "0.00194"), page(20, "0.00196")])
    db.record("s", [quote("0.00197")], 30.0, {})
    assert db.prune(100.0) == 2
    assert table(db) == [(30.0, 30.0, "0.00197", False)]
    assert db.import_sightings("s", [page(10, "0.00194")]).new == 1  # its sighting went too


def test_a_feed_file_taking_effect_tomorrow_leaves_live_polls_alone(db: HistoryDB) -> None:
    tomorrow = 86400.0
    db.import_sightings("s", [page(tomorrow, "0.00190")])
    db.record("s", [quote("0.00196")], 1000.0, {})
    stats = db.record("s", [quote("0.00196")], 2000.0, {})[0]
    assert table(db) == [
        (1000.0, 2000.0, "0.00196", False),  # one live row, extended
        (tomorrow, tomorrow, "0.00190", True),
    ]
    assert (stats.previous, stats.changed_at) == (None, 1000.0)  # the future row unseen
    db.import_sightings("s", [page(500.0, "0.00194")])  # an imported row before `now` ...
    stats = db.record("s", [quote("0.00196")], 3000.0, {})[0]
    assert stats.previous == Decimal("0.00194")  # ... is the previous value
    assert len(table(db)) == 3


def test_a_conflict_names_the_live_change_and_is_said_again(db: HistoryDB) -> None:
    db.record("s", [quote("0.00196", "-0")], 1000.0, {})
    db.record("s", [quote("0.00196", "-0")], 2000.0, {})
    page_ = (Sighting(1500.0, quote("0.00196", "0")), "page.html")  # the change differs
    for _ in range(2):  # imported again: still not in the history, said again
        outcome = db.import_sightings("s", [page_])
        assert [c[4] for c in outcome.conflicts] == ["0.00196 -0%"]
    assert (outcome.new, outcome.repeated, outcome.rows) == (0, 1, 0)
