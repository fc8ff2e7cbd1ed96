"""The service: scheduler, polls and web server in one event loop, with clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Final

import httpx
import structlog
import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import disable_created_metrics

from tickerwatch import __version__
from tickerwatch.alerting import Alerting
from tickerwatch.alerts import windows_needed
from tickerwatch.config import Settings, Source
from tickerwatch.fetch import Fetcher, make_client
from tickerwatch.metrics import Metrics
from tickerwatch.notify.alertmanager import AlertmanagerSender, receiver_name
from tickerwatch.notify.webhook import WebhookDelivery
from tickerwatch.poller import Poller, restore
from tickerwatch.runtime import Runtime
from tickerwatch.state import SourceState
from tickerwatch.store import Store
from tickerwatch.web import create_app

log = structlog.get_logger("tickerwatch.service")

SHUTDOWN_GRACE: Final = 3.0
RETENTION_EVERY: Final = 6 * 3600.0
EVALUATE_EVERY: Final = 10.0
OUTBOX_KEEP: Final = 7 * 86400.0


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Service:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self._stop = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._workers: list[asyncio.Task[None]] = []
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.server: _Server | None = None
        self.runtime: Runtime | None = None
        self.on_ready: Callable[[Runtime], None] | None = None

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]
        settings = self.settings
        store = await Store.open(settings.storage.path)
        client = make_client()
        now = self.clock()
        states: dict[str, SourceState] = {}
        external = settings.web.public_url()
        alerting = Alerting(settings.alerts, settings.notify.webhooks, store, self.clock, external)
        metrics = Metrics(lambda: list(states.values()), self.clock, lambda: alerting.active())
        rt = Runtime(settings, store, metrics, self.clock, now, states, alerting=alerting)
        self.runtime = rt
        extra = windows_needed(settings.alerts)
        poller = Poller(
            Fetcher(client),
            store,
            metrics,
            self.clock,
            extra,
            after_poll=lambda: alerting.evaluate(states.values()),
        )
        try:
            for source in settings.resolved_sources():
                states[source.name] = SourceState(source, started_at=now)
                metrics.add_source(source.name)
                await restore(states[source.name], store, now, extra)
            await alerting.load()
            self._start_notifiers(rt, client)
            metrics.reload_ok.set(1)
            metrics.reload_time.set(now)
            await self._serve(rt, poller)
        finally:
            await client.aclose()
            await store.close()
            log.info("stopped")

    def _start_notifiers(self, rt: Runtime, client: httpx.AsyncClient) -> None:
        assert rt.alerting is not None
        notify = self.settings.notify
        if notify.webhooks:
            delivery = WebhookDelivery(notify.webhooks, rt.store, client, rt.metrics, self.clock)
            for hook in notify.webhooks:
                rt.metrics.add_receiver(hook.name)
            rt.alerting.listeners.append(delivery.wake)
            self._workers.append(asyncio.create_task(delivery.run(), name="webhooks"))
        if notify.alertmanager is not None:
            alerting = rt.alerting
            sender = AlertmanagerSender(
                notify.alertmanager,
                client,
                rt.metrics,
                self.clock,
                self.settings.web.public_url(),
                lambda: list(alerting.states.values()),
            )
            for url in notify.alertmanager.urls:
                rt.metrics.add_receiver(receiver_name(url))
            alerting.listeners.append(sender.wake)
            self._workers.append(asyncio.create_task(sender.run(), name="alertmanager"))

    async def _serve(self, rt: Runtime, poller: Poller) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        web = self.settings.web
        config = uvicorn.Config(
            create_app(rt),
            host=web.host,
            port=web.port,
            log_config=None,
            lifespan="off",
            access_log=False,
            server_header=False,
        )
        self.server = _Server(config)
        server_task = asyncio.create_task(self.server.serve(), name="web")
        try:
            while not self.server.started:
                if server_task.done():
                    server_task.result()
                    raise RuntimeError("the web server stopped while starting")
                await asyncio.sleep(0.01)
            self._schedule(rt, poller)
            rt.ready = True
            log.info(
                "started",
                version=__version__,
                listen=web.listen,
                sources=list(rt.states),
                storage=str(self.settings.storage.path),
            )
            if self.on_ready is not None:
                self.on_ready(rt)
            stop_task = asyncio.create_task(self._stop.wait())
            await asyncio.wait({server_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
            stop_task.cancel()
        finally:
            rt.ready = False
            await self._shutdown(server_task)
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    def _schedule(self, rt: Runtime, poller: Poller) -> None:
        for state in rt.states.values():
            self._add_job(state.source, functools.partial(self._poll, poller, state))
        self.scheduler.add_job(
            self._prune,
            IntervalTrigger(seconds=RETENTION_EVERY),
            args=[rt],
            id="retention",
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.start()

    def _add_job(self, source: Source, job: Callable[[], object]) -> None:
        self.scheduler.add_job(
            job,
            IntervalTrigger(seconds=source.interval, jitter=source.jitter or None),
            id=f"poll:{source.name}",
            name=f"poll {source.name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(source.interval)),
            next_run_time=datetime.now(UTC),
        )

    async def _poll(self, poller: Poller, state: SourceState) -> None:
        """A scheduled poll, tracked so shutdown can finish or cancel it."""
        task = asyncio.current_task()
        assert task is not None
        self._inflight.add(task)
        try:
            await poller.poll(state)
        finally:
            self._inflight.discard(task)

    async def _evaluate(self, rt: Runtime) -> None:
        """Timer evaluation: stale and source_down alerts need no poll to change."""
        assert rt.alerting is not None
        try:
            await rt.alerting.evaluate(rt.states.values())
        except Exception:
            log.exception("evaluate_failed")

    async def _prune(self, rt: Runtime) -> None:
        before = self.clock() - self.settings.storage.retention
        await rt.store.prune_outbox(self.clock() - OUTBOX_KEEP)
        removed = await rt.store.prune(before)
        if removed:
            log.info("retention", removed=removed)

    async def _shutdown(self, server_task: asyncio.Task[None]) -> None:
        log.info("stopping", inflight=len(self._inflight))
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._inflight:
            _, pending = await asyncio.wait(set(self._inflight), timeout=SHUTDOWN_GRACE)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        if self.server is not None:
            self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(server_task, timeout=SHUTDOWN_GRACE)
