"""SQLite (WAL): run-length history (a new row only when a pair's printed value changes),
alert states, and the notification outbox.

`HistoryDB` is synchronous and owned by one thread; `Store` runs it on a dedicated worker
thread so the event loop never waits on the disk, and the history API's reads on a second
connection and thread (WAL: readers never wait for the writer), so a large page asked for
never delays a poll's write. sqlite3 errors become StoreError here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from tickerwatch.core.errors import DatabaseCorrupt, StoreError
from tickerwatch.core.merge import Sighting
from tickerwatch.core.model import Pair, PrintedRate, SeriesStats
from tickerwatch.store import files, series
from tickerwatch.store.files import FileWatch
from tickerwatch.store.imports import Imported, import_sightings, origins
from tickerwatch.store.outbox import OutboxDB, OutboxItem
from tickerwatch.store.schema import ROW_COLUMNS, HistoryRow, history_row, migrate

__all__ = ["HistoryDB", "HistoryRow", "OutboxItem", "Store"]

T = TypeVar("T")
_ROWS_PER_INSERT = 90


class HistoryDB(OutboxDB):
    def __init__(self, path: Path, reader: bool = False) -> None:
        """Open (and create, check, migrate) the database at `path`; a `reader` is a second,
        query-only connection to a database already opened. Raises StoreError
        (DatabaseCorrupt when SQLite finds the file damaged)."""
        self.path = path
        self._watch = FileWatch(path)
        if reader:
            self._db = files.reader(path)
            return
        try:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = files.writer(path)
            files.quick_check(self._db, path)
            migrate(self._db, path)
            self.check_files()  # notes the files opened
        except (sqlite3.OperationalError, OSError) as exc:
            raise StoreError(f"cannot open the history database {path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
            raise DatabaseCorrupt(f"the history database {path} is corrupt: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def check_files(self) -> str | None:
        """None while the database file and its -wal are the ones opened. When one was
        deleted or replaced (writes would go to a file no longer there: lost at the next
        start), the whole database as this connection sees it is written to a new file
        at the path, the connection reopened on it, and what happened is returned."""
        if str(self.path) == ":memory:":
            return None
        problems = self._watch.changes()
        if not problems:
            return None
        self._db = self._watch.rewrite(self._db)
        (rows,) = self._db.execute("SELECT count(*) FROM history").fetchone()
        return "; ".join(problems) + f"; rewritten from the open connection ({rows} history rows)"

    def reopen(self) -> None:
        """A reader's connection, opened again (after check_files rewrote the file)."""
        self._db.close()
        self._db = files.reader(self.path)

    def record(
        self, source: str, quotes: Iterable[PrintedRate], now: float, windows: dict[str, float]
    ) -> list[SeriesStats]:
        """Store one good poll's quotes (one per pair) in one transaction; return each
        series' stats, in `quotes` order. Statements per poll, not per pair: one finds the
        newest rows the poll extends (store.series), one UPDATE (executemany) moves their
        last_seen, one INSERT (per 90 pairs) starts a row for each of the others, and two
        read the statistics. ValueError for a pair given twice."""
        quotes = tuple(quotes)
        if len({q.pair for q in quotes}) != len(quotes):
            raise ValueError(f"{source}: a poll's quotes give some pair twice")
        with self._db:
            found = series.extendable(self._db, source, quotes, now)
            self._db.executemany(
                "UPDATE history SET last_seen=max(last_seen, ?) WHERE id=?",
                [(now, row_id) for row_id in found if row_id is not None],
            )
            fresh = [q for q, f in zip(quotes, found, strict=True) if f is None]
            new = self._insert(source, fresh, now)
        ids = [new[q.pair] if f is None else f for q, f in zip(quotes, found, strict=True)]
        current = [(q.pair, q.rate, row_id) for q, row_id in zip(quotes, ids, strict=True)]
        return series.series_stats(self._db, source, current, now, windows)

    def touch(self, row_ids: Iterable[int], now: float) -> None:
        """Quotes as printed last time: move their rows' last_seen forward, nothing else."""
        ids = list(row_ids)
        with self._db:
            self._db.execute(
                "UPDATE history SET last_seen=max(last_seen, ?)"
                f" WHERE id IN ({','.join('?' * len(ids))})",
                (now, *ids),
            )

    def _insert(self, source: str, quotes: list[PrintedRate], now: float) -> dict[Pair, int]:
        """New rows for `quotes`, one INSERT per 90 (SQLite's smallest limit of bound
        parameters, 999, allows 99); their ids by pair."""
        ids: dict[Pair, int] = {}
        for i in range(0, len(quotes), _ROWS_PER_INSERT):
            chunk = quotes[i : i + _ROWS_PER_INSERT]
            values: list[object] = []
            for q in chunk:
                rate, pct, absolute, effective = q.value
                values += (source, q.pair.base, q.pair.quote, rate, pct, absolute or None,
                           effective, q.decimals, now, now)  # fmt: skip
            rows = self._db.execute(
                "INSERT INTO history (source, base, quote, rate, change_pct, change_abs,"
                " effective, decimals, first_seen, last_seen) VALUES "
                + ",".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                + " RETURNING id, base, quote",
                values,
            ).fetchall()
            ids.update((Pair(base, quote), int(row_id)) for row_id, base, quote in rows)
        return ids

    def stats(
        self, source: str, pair: Pair, rate: Decimal, now: float, windows: dict[str, float]
    ) -> SeriesStats:
        """A series' statistics (store.series.series_stats) for `rate`."""
        return series.series_stats(self._db, source, [(pair, rate, 0)], now, windows)[0]

    def latest(self, source: str) -> list[HistoryRow]:
        """The newest live row of every pair of `source`: what it showed in its last good
        poll (imported rows, however recent their pages, are not what it showed)."""
        rows = self._db.execute(
            f"SELECT {ROW_COLUMNS} FROM history WHERE id IN (SELECT max(id) FROM history"
            " WHERE source=? AND imported=0 GROUP BY base, quote) ORDER BY id",
            (source,),
        )
        return [history_row(r) for r in rows]

    def history(
        self, source: str | None, pair: Pair | None, since: float, until: float, limit: int
    ) -> list[HistoryRow]:
        sql = f"SELECT {ROW_COLUMNS} FROM history WHERE first_seen<=? AND last_seen>=?"
        args: list[object] = [until, since]
        if source is not None:
            sql += " AND source=?"
            args.append(source)
        if pair is not None:
            sql += " AND base=? AND quote=?"
            args += [pair.base, pair.quote]
        sql += " ORDER BY first_seen, id LIMIT ?"
        args.append(limit)
        return [history_row(r) for r in self._db.execute(sql, args)]

    def import_sightings(self, source: str, sightings: Sequence[tuple[Sighting, str]]) -> Imported:
        """Merge saved pages' sightings (each with its file or URL) into `source`'s history:
        see store.imports and core.merge."""
        try:
            return import_sightings(self._db, source, sightings)
        except sqlite3.Error as exc:
            raise StoreError(f"history database error: {exc}") from exc

    def sources(self) -> set[str]:
        """Every source with a row in the history."""
        return {str(name) for (name,) in self._db.execute("SELECT DISTINCT source FROM history")}

    def import_origins(self, source: str) -> set[str]:
        """Every file or URL whose pages of `source` were imported (store.imports)."""
        return origins(self._db, source)

    def recent(self, limit: int) -> list[HistoryRow]:
        """The `limit` rows that started last (live and imported), newest first."""
        query = f"SELECT {ROW_COLUMNS} FROM history ORDER BY first_seen DESC, id DESC LIMIT ?"
        return [history_row(r) for r in self._db.execute(query, (limit,))]

    def prune(self, before: float) -> int:
        """Delete rows last seen before `before` (and imported sightings dated before it);
        keeps each series' newest live row."""
        with self._db:
            cursor = self._db.execute(
                "DELETE FROM history WHERE last_seen<? AND id NOT IN"
                " (SELECT max(id) FROM history WHERE imported=0 GROUP BY source, base, quote)",
                (before,),
            )
            self._db.execute("DELETE FROM sightings WHERE at<?", (before,))
        return cursor.rowcount

    def save_alerts(
        self,
        alerts: dict[str, tuple[str, str]],
        outbox: list[OutboxItem],
        gone: Iterable[str] = (),
    ) -> None:
        """In one transaction: write the alert states in `alerts` (id → (state, body)),
        delete those whose ids are in `gone`, and queue the notifications. Other rows are
        left as they are; with nothing to do, nothing is written."""
        gone = list(gone)
        if not alerts and not gone and not outbox:
            return
        with self._db:
            self._db.executemany(
                "INSERT INTO alerts (id, state, body) VALUES (?, ?, ?) ON CONFLICT (id)"
                " DO UPDATE SET state=excluded.state, body=excluded.body",
                [(key, state, body) for key, (state, body) in alerts.items()],
            )
            self._db.executemany("DELETE FROM alerts WHERE id=?", [(key,) for key in gone])
            self._db.executemany(
                "INSERT OR IGNORE INTO outbox (receiver, idempotency_key, payload, created,"
                " next_attempt) VALUES (?, ?, ?, ?, ?)",
                [(o.receiver, o.key, o.payload, o.created, o.created) for o in outbox],
            )

    def load_alerts(self) -> list[tuple[str, str, str]]:
        return list(self._db.execute("SELECT id, state, body FROM alerts ORDER BY id"))


class Store:
    """The history database, used from the event loop; every call runs on one worker thread."""

    def __init__(
        self,
        db: HistoryDB,
        executor: ThreadPoolExecutor,
        reader: HistoryDB | None = None,
        reads: ThreadPoolExecutor | None = None,
    ) -> None:
        """`reader` on `reads`: the history API's connection and thread (default: `db`'s)."""
        self._db = db
        self._executor = executor
        self._reader = reader or db
        self._reads = reads or executor

    @classmethod
    async def open(cls, path: Path) -> Store:
        loop = asyncio.get_running_loop()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tickerwatch-store")
        reads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tickerwatch-reads")
        try:
            db = await loop.run_in_executor(executor, HistoryDB, path)
            if str(path) == ":memory:":  # one database only: its one connection reads too
                return cls(db, executor)
            reader = await loop.run_in_executor(reads, lambda: HistoryDB(path, reader=True))
        except BaseException:
            executor.shutdown(wait=False)
            reads.shutdown(wait=False)
            raise
        return cls(db, executor, reader, reads)

    async def _run(self, fn: Callable[[], T], executor: ThreadPoolExecutor | None = None) -> T:
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(executor or self._executor, fn)
        except sqlite3.Error as exc:
            raise StoreError(f"history database error: {exc}") from exc

    async def record(
        self, source: str, quotes: tuple[PrintedRate, ...], now: float, windows: dict[str, float]
    ) -> list[SeriesStats]:
        return await self._run(lambda: self._db.record(source, quotes, now, windows))

    async def touch(self, row_ids: list[int], now: float) -> None:
        await self._run(lambda: self._db.touch(row_ids, now))

    async def stats(
        self, source: str, pair: Pair, rate: Decimal, now: float, windows: dict[str, float]
    ) -> SeriesStats:
        return await self._run(lambda: self._db.stats(source, pair, rate, now, windows))

    async def latest(self, source: str) -> list[HistoryRow]:
        return await self._run(lambda: self._db.latest(source))

    async def history(
        self, source: str | None, pair: Pair | None, since: float, until: float, limit: int
    ) -> list[HistoryRow]:
        reader = self._reader
        return await self._run(
            lambda: reader.history(source, pair, since, until, limit), self._reads
        )

    async def recent(self, limit: int) -> list[HistoryRow]:
        reader = self._reader
        return await self._run(lambda: reader.recent(limit), self._reads)

    async def prune(self, before: float) -> int:
        return await self._run(lambda: self._db.prune(before))

    async def save_alerts(
        self,
        alerts: dict[str, tuple[str, str]],
        outbox: list[OutboxItem],
        gone: Iterable[str] = (),
    ) -> None:
        await self._run(lambda: self._db.save_alerts(alerts, outbox, gone))

    async def load_alerts(self) -> list[tuple[str, str, str]]:
        return await self._run(self._db.load_alerts)

    async def next_outbox(self, receiver: str) -> OutboxItem | None:
        return await self._run(lambda: self._db.next_outbox(receiver))

    async def outbox_done(
        self, item_id: int, now: float, dropped: bool = False, error: str = ""
    ) -> None:
        await self._run(lambda: self._db.outbox_done(item_id, now, dropped, error))

    async def outbox_retry(self, item_id: int, due: float, error: str) -> None:
        await self._run(lambda: self._db.outbox_retry(item_id, due, error))

    async def outbox_length(self, receiver: str) -> int:
        return await self._run(lambda: self._db.outbox_length(receiver))

    async def outbox_drop_others(
        self, keep: frozenset[str], now: float, error: str
    ) -> dict[str, int]:
        return await self._run(lambda: self._db.outbox_drop_others(keep, now, error))

    async def prune_outbox(self, before: float) -> None:
        await self._run(lambda: self._db.prune_outbox(before))

    @property
    def path(self) -> Path:
        return self._db.path

    async def check_files(self) -> str | None:
        """HistoryDB.check_files, then the reader reopened if the file was rewritten.
        Raises StoreError when the rewrite fails."""
        try:
            problem = await self._run(self._db.check_files)
        except OSError as exc:
            raise StoreError(f"cannot rewrite the history database: {exc}") from exc
        if problem is not None and self._reader is not self._db:
            await self._run(self._reader.reopen, self._reads)
        return problem

    async def close(self) -> None:
        if self._reader is not self._db:
            await self._run(self._reader.close, self._reads)
            self._reads.shutdown(wait=True)
        await self._run(self._db.close)
        self._executor.shutdown(wait=True)
