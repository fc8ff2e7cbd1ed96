"""The running service's shared parts, handed to the web layer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from tickerwatch.core.settings import Settings
from tickerwatch.core.snapshot import SourceState
from tickerwatch.core.storage import StorageHealth
from tickerwatch.engine.alerting import Alerting
from tickerwatch.metrics.registry import Metrics
from tickerwatch.notify.status import Receivers
from tickerwatch.store.sqlite import Store


@dataclass(frozen=True, slots=True)
class ProbeAnswer:
    """An HTTP answer of GET /probe: status, body, Content-Type."""

    status: int
    body: bytes
    content_type: str


@dataclass(slots=True)
class Runtime:
    settings: Settings
    store: Store
    metrics: Metrics
    clock: Callable[[], float]
    started_at: float
    states: dict[str, SourceState] = field(default_factory=dict)
    ready: bool = False
    alerting: Alerting | None = None
    reload: Callable[[], Awaitable[bool]] | None = None
    last_reload_error: list[str] = field(default_factory=list)
    receivers: Receivers | None = None
    next_poll: Callable[[str], float | None] = lambda name: None  # a source's, Unix seconds
    storage: StorageHealth = field(default_factory=StorageHealth)
    # GET /probe: (query parameters, Accept header) → the answer (engine.probe.Prober)
    probe: Callable[[Mapping[str, str], str], Awaitable[ProbeAnswer]] | None = None
