"""The batched poll write (HistoryDB.record) against the per-pair statements it replaced,
kept here as the reference model: on random polls — pairs appearing and going, values
repeating, the clock stepping back, saved pages imported in between — both give the same
history table and the same statistics."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tickerwatch.core.merge import Sighting
from tickerwatch.core.model import Pair, PrintedRate, SeriesStats
from tickerwatch.store.sqlite import HistoryDB

PAIRS = [Pair("KZT", "USD"), Pair("KGS", "USD"), Pair("UZS", "USD")]
WINDOWS = {"1m": 60.0, "5m": 300.0}


def _old_record_one(db: sqlite3.Connection, source: str, quote: PrintedRate, now: float) -> int:
    rate, pct, absolute, effective = quote.value
    columns = "id, rate, change_pct, coalesce(change_abs, ''), effective, imported"
    key = (source, quote.pair.base, quote.pair.quote)
    where = "FROM history WHERE source=? AND base=? AND quote=?"
    row = db.execute(
        f"SELECT {columns} {where} AND (imported=0 OR first_seen<=?)"
        " ORDER BY first_seen DESC, imported, id DESC LIMIT 1",
        (*key, now),
    ).fetchone()
    if row is not None and not row[5]:
        row = db.execute(
            f"SELECT {columns} {where} AND imported=0 ORDER BY id DESC LIMIT 1", key
        ).fetchone()
    if row is not None and not row[5] and tuple(row[1:5]) == quote.value:
        db.execute("UPDATE history SET last_seen=max(last_seen, ?) WHERE id=?", (now, row[0]))
        return int(row[0])
    pair = quote.pair
    values = (source, pair.base, pair.quote, rate, pct, absolute or None, effective)
    cursor = db.execute(
        "INSERT INTO history (source, base, quote, rate, change_pct, change_abs, effective,"
        " decimals, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*values, quote.decimals, now, now),
    )
    return int(cursor.lastrowid or 0)


def _old_stats(db: sqlite3.Connection, source: str, quote: PrintedRate, now: float) -> SeriesStats:
    key = (source, quote.pair.base, quote.pair.quote)
    rows = db.execute(
        "SELECT rate, first_seen FROM history WHERE source=? AND base=? AND quote=?"
        " AND first_seen<=? ORDER BY first_seen DESC, id DESC",
        (*key, now),
    )
    changed_at, previous = now, None
    for printed, seen in rows:
        if Decimal(printed) != quote.rate:
            previous = Decimal(printed)
            break
        changed_at = seen
    rows.close()
    window_rates: dict[str, Decimal | None] = {}
    for label, seconds in WINDOWS.items():
        row = db.execute(
            "SELECT rate FROM history WHERE source=? AND base=? AND quote=? AND first_seen<=?"
            " ORDER BY first_seen DESC, id DESC LIMIT 1",
            (*key, now - seconds),
        ).fetchone()
        window_rates[label] = None if row is None else Decimal(row[0])
    return SeriesStats(quote.pair, changed_at, previous, window_rates)


def old_record(
    db: HistoryDB, source: str, quotes: list[PrintedRate], now: float
) -> list[SeriesStats]:
    """HistoryDB.record before the batched writes: statements per pair."""
    conn = db._db  # the reference model reads and writes the same connection
    with conn:
        ids = [_old_record_one(conn, source, quote, now) for quote in quotes]
    return [
        replace(_old_stats(conn, source, q, now), row_id=row_id)
        for q, row_id in zip(quotes, ids, strict=True)
    ]


def table(db: HistoryDB) -> list[tuple[object, ...]]:
    return list(db._db.execute("SELECT * FROM history ORDER BY id"))


quotes = st.lists(
    st.tuples(
        st.sampled_from(PAIRS),
        st.sampled_from(["0.00196", "0.00197", "0.001960", "0.00198"]),
        st.sampled_from(["0", "-0", "0.5"]),
        st.sampled_from([None, 86400.0, 172800.0]),
    ),
    max_size=4,
    unique_by=lambda q: q[0],
).map(lambda qs: [
    PrintedRate(p, Decimal(r), Decimal(c), 5, copies=2, effective=e) for p, r, c, e in qs
])  # fmt: skip
steps = st.lists(
    st.tuples(st.sampled_from(["poll", "poll", "poll", "import"]), st.integers(-120, 400), quotes),
    min_size=1,
    max_size=12,
)


_KZT = [PrintedRate(PAIRS[0], Decimal("0.00196"), Decimal("0"), 5, copies=2)]


@settings(max_examples=60, deadline=None)
@given(steps=steps)
@example(steps=[("poll", 0, _KZT), ("import", 10, _KZT), ("poll", 10, _KZT)])  # not extended
def test_batched_record_gives_what_the_per_pair_statements_gave(
    tmp_path_factory: object, steps: list[tuple[str, int, list[PrintedRate]]]
) -> None:
    folder: Path = tmp_path_factory.mktemp("h")  # type: ignore[attr-defined]
    new, old = HistoryDB(folder / "new.db"), HistoryDB(folder / "old.db")
    now = 1000.0
    for i, (kind, step, polled) in enumerate(steps):
        now += step  # negative: the wall clock stepped back
        if kind == "import":
            sightings = [(Sighting(now + step, q), f"page-{i}.html") for q in polled]
            assert new.import_sightings("s", sightings) == old.import_sightings("s", sightings)
        else:
            assert new.record("s", polled, now, WINDOWS) == old_record(old, "s", polled, now)
        assert table(new) == table(old)
    new.close()
    old.close()
