"""The service's periodic store jobs: retention, and the check that the database files are
still the ones open."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from tickerwatch.core.errors import StoreError
from tickerwatch.engine.runtime import Runtime

log = structlog.get_logger("tickerwatch.service")


async def prune(rt: Runtime, clock: Callable[[], float], retention: float, keep: float) -> None:
    """Delete history last seen `retention` seconds ago and outbox rows done `keep` ago."""
    await rt.store.prune_outbox(clock() - keep)
    removed = await rt.store.prune(clock() - retention)
    if removed:
        log.info("retention", removed=removed)


async def check_files(rt: Runtime, clock: Callable[[], float]) -> None:
    """The database file or its -wal deleted or replaced while open: rewritten from the
    open connection (store.sqlite), counted (file_missing), logged once per finding as
    `database_files_missing` (error), /healthz degraded."""
    try:
        problem = await rt.store.check_files()
    except StoreError as exc:
        problem = f"{exc} (the database files are gone; writes go nowhere)"
    if problem is not None:
        rt.storage.fault("file_missing", problem, clock())
        log.error("database_files_missing", path=str(rt.store.path), problem=problem)
