"""One tickerwatch per history database: an exclusive `flock` on `DB.lock` beside it, held
for the life of the process (the kernel releases it when the process ends, even by
SIGKILL, so a stale lock file never blocks a start)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tickerwatch.core.errors import StoreError

__all__ = ["DatabaseLock"]


class DatabaseLock:
    """The lock of the database at `path` (a file `path` + `.lock`, holding the owner's
    pid). `acquire` raises StoreError naming the database, the lock file and the other
    process's pid (when it wrote one) if another process holds it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(f"{path}.lock")
        self.database = path
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot create the lock file {self.path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            by = f"pid {owner}" if owner.isdigit() else "another process"
            raise StoreError(
                f"the history database {self.database} is in use by another tickerwatch"
                f" ({by} holds {self.path}); stop it, or give this one another storage.path"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
