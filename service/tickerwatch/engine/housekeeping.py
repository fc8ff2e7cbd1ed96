"""The service's periodic store jobs (retention; the check that the database files are still
the ones open) and the config warnings logged at start and reload."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from tickerwatch.core.errors import StoreError
from tickerwatch.core.settings import Settings
from tickerwatch.core.shard import foreign_references
from tickerwatch.engine.runtime import Runtime

log = structlog.get_logger("tickerwatch.service")


async def prune(rt: Runtime, clock: Callable[[], float], keep: float) -> None:
    """Delete history last seen `storage.retention` seconds ago (the running config's) and
    outbox rows done `keep` seconds ago."""
    await rt.store.prune_outbox(clock() - keep)
    removed = await rt.store.prune(clock() - rt.settings.storage.retention)
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


def warn_foreign_references(settings: Settings, before: Settings | None = None) -> None:
    """Logged once, at start and at each reload that adds one: a cross-check whose
    reference another shard polls (`before`: the config those already logged came from)."""
    shards = settings.placement.shards
    if shards > 1:
        known = set(foreign_references(before.sources, shards)) if before else set()
        for source, reference in foreign_references(settings.sources, shards):
            if (source, reference) not in known:
                log.warning("reference_on_other_shard", source=source, reference=reference)


def log_warnings(settings: Settings) -> None:
    """The config file's warnings (`tickerwatch check-config` prints the same), one event
    each when the file is loaded."""
    for warning in settings.warnings:
        log.warning("config_warning", problem=warning)
