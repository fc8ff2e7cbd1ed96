"""What a reload changes, built before anything running is touched: the states of added
sources restored from history, the sources whose settings change, the ones to stop. The
service swaps the plan in with no await in between, so a failure while building it (a
store error restoring an added source) leaves the running config whole."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import structlog

from tickerwatch.core.alerts import windows_needed
from tickerwatch.core.settings import Settings, Source
from tickerwatch.core.snapshot import SourceState
from tickerwatch.engine.poller import restore
from tickerwatch.store.sqlite import Store

log = structlog.get_logger("tickerwatch.service")


@dataclass(frozen=True, slots=True)
class ReloadPlan:
    settings: Settings  # the new settings, with the keys that need a restart kept as running
    states: dict[str, SourceState]  # every source after the reload, in config order
    changed: tuple[tuple[SourceState, Source], ...]  # kept states and their new settings
    added: tuple[SourceState, ...]  # restored from history, not yet scheduled
    removed: tuple[str, ...]
    extra_windows: dict[str, float]  # windows the new alert rules compare against (seconds)


async def restored_state(
    source: Source, store: Store, clock: Callable[[], float], extra_windows: dict[str, float]
) -> SourceState:
    """A new source's state with its last rates read back from history. Raises StoreError."""
    state = SourceState(source, started_at=clock())
    await restore(state, store, clock(), extra_windows)
    return state


async def plan_reload(
    running: Settings,
    new: Settings,
    states: Mapping[str, SourceState],
    store: Store,
    clock: Callable[[], float],
) -> ReloadPlan:
    """Everything `new` changes against `running` (whose sources have `states`). Reads
    history for added sources; changes nothing. Raises StoreError."""
    for what, before, after in (
        ("web.listen", running.web.listen, new.web.listen),
        ("web.config_file", running.web.config_file, new.web.config_file),
        ("storage.path", running.storage.path, new.storage.path),
    ):
        if before != after:
            log.warning(
                "reload_needs_restart", key=what, running=str(before), configured=str(after)
            )
    new = replace(new, web=running.web, storage=running.storage)
    extra = windows_needed(new.alerts)
    kept: dict[str, SourceState] = {}
    changed, added = [], []
    for source in new.sources:
        state = states.get(source.name)
        if state is None:
            state = await restored_state(source, store, clock, extra)
            added.append(state)
        elif state.source != source:
            changed.append((state, source))
        kept[source.name] = state
    removed = tuple(name for name in states if name not in kept)
    return ReloadPlan(new, kept, tuple(changed), tuple(added), removed, extra)
