"""What is known of the history database's health while the service runs: faults by kind
and the last one. Pure: `now` is passed in (Unix seconds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

StorageFault = Literal["write_failed", "file_missing"]
STORAGE_FAULTS: Final[tuple[StorageFault, ...]] = ("write_failed", "file_missing")
RECENT: Final = 600.0  # seconds a fault keeps /healthz `degraded`


@dataclass(slots=True)
class StorageHealth:
    """`faults`: how many of each kind (write_failed: a history or alert write refused, e.g.
    a full disk; file_missing: the database file or its -wal deleted or replaced while
    open, rewritten from the open connection). `last_error`: the last one's message."""

    faults: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STORAGE_FAULTS, 0))
    last_error: str | None = None
    last_error_at: float | None = None
    failing: bool = False  # the last write failed (cleared by the next good one)

    def fault(self, kind: StorageFault, message: str, now: float) -> None:
        self.faults[kind] += 1
        self.last_error, self.last_error_at = message, now
        self.failing = self.failing or kind == "write_failed"

    def degraded(self, now: float) -> bool:
        """Writes failing now, or a fault in the last RECENT seconds."""
        recent = self.last_error_at is not None and abs(now - self.last_error_at) < RECENT
        return self.failing or recent
