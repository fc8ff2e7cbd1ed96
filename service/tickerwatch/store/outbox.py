"""The notification outbox's queries (a part of HistoryDB, on its connection and thread)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Final

_PENDING: Final = "delivered IS NULL AND dropped IS NULL"  # an outbox row still to send


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One notification waiting for a receiver; `key` is its idempotency key."""

    receiver: str
    key: str
    payload: str
    created: float
    id: int = 0
    due: float = 0.0
    attempts: int = 0


class OutboxDB:
    """Outbox rows: one per notification and receiver, delivered in order."""

    _db: sqlite3.Connection

    def next_outbox(self, receiver: str) -> OutboxItem | None:
        """The oldest undelivered notification of a receiver: delivery keeps order."""
        row = self._db.execute(
            "SELECT id, receiver, idempotency_key, payload, created, next_attempt, attempts"
            " FROM outbox WHERE receiver=? AND delivered IS NULL AND dropped IS NULL"
            " ORDER BY id LIMIT 1",
            (receiver,),
        ).fetchone()
        if row is None:
            return None
        item_id, receiver, key, payload, created, due, attempts = row
        return OutboxItem(receiver, key, payload, created, item_id, due, attempts)

    def outbox_done(self, item_id: int, now: float, dropped: bool = False, error: str = "") -> None:
        column = "dropped" if dropped else "delivered"
        with self._db:
            self._db.execute(
                f"UPDATE outbox SET {column}=?, last_error=? WHERE id=?",
                (now, error or None, item_id),
            )

    def outbox_retry(self, item_id: int, due: float, error: str) -> None:
        with self._db:
            self._db.execute(
                "UPDATE outbox SET attempts=attempts+1, next_attempt=?, last_error=? WHERE id=?",
                (due, error, item_id),
            )

    def outbox_length(self, receiver: str) -> int:
        """Notifications of `receiver` not yet delivered or dropped."""
        (count,) = self._db.execute(
            "SELECT count(*) FROM outbox"
            " WHERE receiver=? AND delivered IS NULL AND dropped IS NULL",
            (receiver,),
        ).fetchone()
        return int(count)

    def outbox_drop_others(self, keep: frozenset[str], now: float, error: str) -> dict[str, int]:
        """Mark dropped the pending rows of every receiver not in `keep`; count per receiver."""
        names = sorted(keep)
        where = f"{_PENDING} AND receiver NOT IN ({','.join('?' * len(names))})"
        with self._db:
            query = f"SELECT receiver, count(*) FROM outbox WHERE {where} GROUP BY receiver"
            counts = dict(self._db.execute(query, names).fetchall())
            self._db.execute(f"UPDATE outbox SET dropped=?, last_error=? WHERE {where}",
                             (now, error, *names))  # fmt: skip
        return {str(receiver): int(count) for receiver, count in counts.items()}

    def prune_outbox(self, before: float) -> None:
        with self._db:
            self._db.execute("DELETE FROM outbox WHERE coalesce(delivered, dropped) < ?", (before,))
