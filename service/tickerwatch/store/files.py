"""The history database's files: opening a connection (writer, reader), checking the file at
start (`PRAGMA quick_check`), and noticing when the file or its -wal is deleted or replaced
while open. sqlite3's errors are the caller's to translate (store.sqlite)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tickerwatch.core.errors import DatabaseCorrupt, StoreError


def writer(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=5000")
    return db


def reader(path: Path) -> sqlite3.Connection:
    """A query-only connection to a database already opened by a writer."""
    try:
        db = sqlite3.connect(path, check_same_thread=False)
        db.execute("PRAGMA query_only=ON")
        db.execute("PRAGMA busy_timeout=5000")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the history database {path} to read: {exc}") from exc
    return db


def quick_check(db: sqlite3.Connection, path: Path) -> None:
    """Raise DatabaseCorrupt with SQLite's first findings unless `PRAGMA quick_check` says
    ok (it reads every page: milliseconds for a few thousand history rows)."""
    found = [str(row[0]) for row in db.execute("PRAGMA quick_check(5)")]
    if found != ["ok"]:
        raise DatabaseCorrupt(f"the history database {path} is corrupt: {'; '.join(found)}")


class FileWatch:
    """The (device, inode) of the database file and its -wal as first seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[str, tuple[int, int]] = {}

    def changes(self) -> list[str]:
        """What happened to the files since first seen: `… was deleted` / `… was replaced`."""
        problems = []
        for suffix in ("", "-wal"):
            name = Path(f"{self.path}{suffix}")
            try:
                st = name.stat()
            except FileNotFoundError:
                if suffix in self.seen:
                    problems.append(f"{name} was deleted")
                continue
            first = self.seen.setdefault(suffix, (st.st_dev, st.st_ino))
            if first != (st.st_dev, st.st_ino):
                problems.append(f"{name} was replaced")
        return problems

    def rewrite(self, db: sqlite3.Connection) -> sqlite3.Connection:
        """Write the database as `db` sees it to a new file at the path (through
        `PATH.rescue`, renamed over it), close `db`, and return a writer on the new file."""
        rescue = Path(f"{self.path}.rescue")
        rescue.unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(rescue)
        try:
            db.backup(target)
        finally:
            target.close()
        db.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        rescue.replace(self.path)
        self.seen = {}
        fresh = writer(self.path)
        self.changes()  # note the new files
        return fresh
