"""The history database's tables, their migrations, and a history row as read back.

Schema 3 (feeds): `change_pct` is "" when a source prints no percent change, `change_abs`
holds an absolute change (NULL when none is printed), `effective` the Unix time a dated
rate takes effect (NULL for tickers).

Schema 4 (imports): `imported` is 1 for a row built from saved pages (`tickerwatch import`,
`backfill`), 0 for a live poll's; `sightings` keeps every imported page's printed value per
pair, so imported rows are rebuilt exactly (core.merge) and an import is idempotent;
`imported` names every file or URL imported (a backfill skips a day whose URL it holds).

Schema 5 (batched poll writes): `history_live` indexes each series' live rows by id, so a
poll finds a series' newest live row (the last poll's) by a seek instead of reading and
sorting the series' whole history.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

from tickerwatch.core.errors import StoreError
from tickerwatch.core.model import Pair, PrintedRate

SCHEMA_VERSION: Final = 5
_MIGRATIONS: Final[dict[int, str]] = {
    1: """
        CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            base TEXT NOT NULL,
            quote TEXT NOT NULL,
            rate TEXT NOT NULL,
            change_pct TEXT NOT NULL,
            decimals INTEGER NOT NULL,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL
        );
        CREATE INDEX history_series ON history (source, base, quote, first_seen);
        CREATE INDEX history_last_seen ON history (last_seen);
    """,
    2: """
        CREATE TABLE alerts (
            id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            receiver TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            payload TEXT NOT NULL,
            created REAL NOT NULL,
            next_attempt REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            delivered REAL,
            dropped REAL,
            last_error TEXT,
            UNIQUE (receiver, idempotency_key)
        );
        CREATE INDEX outbox_pending ON outbox (receiver, id)
            WHERE delivered IS NULL AND dropped IS NULL;
    """,
    3: """
        ALTER TABLE history ADD COLUMN change_abs TEXT;
        ALTER TABLE history ADD COLUMN effective REAL;
    """,
    4: """
        ALTER TABLE history ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE sightings (
            source TEXT NOT NULL,
            base TEXT NOT NULL,
            quote TEXT NOT NULL,
            at REAL NOT NULL,
            rate TEXT NOT NULL,
            change_pct TEXT NOT NULL,
            change_abs TEXT NOT NULL,
            effective REAL,
            decimals INTEGER NOT NULL,
            origin TEXT NOT NULL,
            UNIQUE (source, base, quote, at, rate, change_pct, change_abs)
        );
        CREATE TABLE imported (
            source TEXT NOT NULL,
            origin TEXT NOT NULL,
            PRIMARY KEY (source, origin)
        );
    """,
    5: """
        CREATE INDEX history_live ON history (source, base, quote, id) WHERE imported=0;
    """,
}


# JSON `->>` (store.series) needs 3.38, `INSERT … RETURNING` (store.sqlite) 3.35.
SQLITE_MINIMUM: Final = (3, 38, 0)


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the database to SCHEMA_VERSION, one transaction per step; StoreError for a
    database newer than this tickerwatch, or an SQLite library older than SQLITE_MINIMUM."""
    if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
        raise StoreError(
            f"SQLite {sqlite3.sqlite_version} is too old: tickerwatch needs"
            f" {'.'.join(map(str, SQLITE_MINIMUM))} or later (the library Python's sqlite3"
            " module is linked with)"
        )
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {version}; this tickerwatch knows "
            f"up to {SCHEMA_VERSION}: upgrade tickerwatch"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with db:
            db.executescript(
                f"BEGIN; {_MIGRATIONS[target]}; PRAGMA user_version = {target}; COMMIT;"
            )


# The columns a HistoryRow is read from, in order.
ROW_COLUMNS: Final = (
    "source, base, quote, rate, change_pct, decimals, first_seen, last_seen, change_abs, effective,"
    " imported"
)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One run of a pair's history: the printed value (changes None when not printed),
    when it was first and last seen (Unix seconds), when it took effect (feeds), and whether
    it was imported from saved pages rather than polled."""

    source: str
    pair: Pair
    rate: Decimal
    change_pct: Decimal | None
    decimals: int
    first_seen: float
    last_seen: float
    change_abs: Decimal | None = None
    effective: float | None = None
    imported: bool = False

    @property
    def printed(self) -> PrintedRate:
        return PrintedRate(
            self.pair, self.rate, self.change_pct, self.decimals, copies=0,
            change_abs=self.change_abs, effective=self.effective,
        )  # fmt: skip


def history_row(r: tuple[object, ...]) -> HistoryRow:
    """A row selected as ROW_COLUMNS."""
    source, base, quote, rate, pct, decimals, first, last, absolute, effective, imported = r
    return HistoryRow(
        str(source), Pair(str(base), str(quote)), Decimal(str(rate)), _decimal(pct),
        int(str(decimals)), float(str(first)), float(str(last)), _decimal(absolute),
        None if effective is None else float(str(effective)), bool(imported),
    )  # fmt: skip


def _decimal(text: object) -> Decimal | None:
    return None if text is None or text == "" else Decimal(str(text))
