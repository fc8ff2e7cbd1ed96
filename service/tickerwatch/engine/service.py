"""The service: scheduler, polls, alerting, notifiers and the web server in one event loop,
with reload (SIGHUP, POST /-/reload) and a clean shutdown (SIGTERM, SIGINT)."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import disable_created_metrics

from tickerwatch import __version__
from tickerwatch.config import load_settings
from tickerwatch.core.alerts import windows_needed
from tickerwatch.core.errors import ConfigError, DatabaseCorrupt, StoreError, TickerwatchError
from tickerwatch.core.settings import Settings
from tickerwatch.core.snapshot import SourceState
from tickerwatch.core.storage import StorageHealth
from tickerwatch.engine import housekeeping as chores
from tickerwatch.engine.alerting import Alerting
from tickerwatch.engine.clockwatch import watch_clock
from tickerwatch.engine.jobs import PollJobs
from tickerwatch.engine.listen import listening_socket
from tickerwatch.engine.poller import Poller
from tickerwatch.engine.probe import Prober
from tickerwatch.engine.reloading import ReloadPlan, plan_reload, restored_state
from tickerwatch.engine.runtime import Runtime
from tickerwatch.engine.schedule import expect_next_poll, timing
from tickerwatch.engine.webserver import QuietServer, WebServer
from tickerwatch.fetch.client import Clients, Fetcher
from tickerwatch.metrics.registry import Metrics
from tickerwatch.notify.base import Notifier
from tickerwatch.notify.build import Wiring, build_notifiers, outbox_receivers
from tickerwatch.notify.status import Receivers
from tickerwatch.notify.workers import Workers, drop_unconfigured
from tickerwatch.store.lock import DatabaseLock
from tickerwatch.store.sqlite import Store
from tickerwatch.web.app import create_app
from tickerwatch.web.unusable import create_unusable_app

log = structlog.get_logger("tickerwatch.service")

SHUTDOWN_GRACE: Final = 3.0
RETENTION_EVERY: Final = 6 * 3600.0
EVALUATE_EVERY: Final = 10.0
OUTBOX_KEEP: Final = 7 * 86400.0
CHECK_FILES_EVERY: Final = 5.0


class Service:
    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        config_path: Path | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.config_path = config_path
        self._stop = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._workers = Workers()
        self._reload_lock = asyncio.Lock()
        self._reloads: set[asyncio.Task[bool]] = set()
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.jobs = PollJobs(self.scheduler, self._poll, self._skipped)
        self.server: QuietServer | None = None
        self.runtime: Runtime | None = None
        self.poller: Poller | None = None
        self.clients: Clients | None = None
        self.on_ready: Callable[[Runtime], None] | None = None
        self.listen_hint = "in web.listen"  # how to choose another port, when it is in use
        self._socket: socket.socket | None = None
        self.web: WebServer | None = None
        self._clock_task: asyncio.Task[None] | None = None

    def stop(self) -> None:
        self._stop.set()

    def bind(self) -> socket.socket:
        """The web server's socket, bound on the first call (`run` calls it before anything
        else starts). Raises ListenError when the port is in use."""
        if self._socket is None:
            web = self.settings.web
            self._socket = listening_socket(web.host, web.port, self.listen_hint)
        return self._socket

    # ------------------------------------------------------------------ start and stop

    async def run(self) -> None:
        lock = DatabaseLock(self.settings.storage.path)
        lock.acquire()  # a second tickerwatch on this database stops here: StoreError
        try:
            self.bind()
            await self._run()
        finally:
            lock.release()

    async def _run(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]
        settings = self.settings
        try:
            store = await Store.open(settings.storage.path)
        except DatabaseCorrupt as exc:  # not ready, and saying why, until stopped
            path = str(settings.storage.path)
            log.error("database_corrupt", path=path, error=str(exc))
            await self._serve(None, create_unusable_app(path, str(exc)))
            return
        self.clients = clients = Clients()
        now = self.clock()
        states: dict[str, SourceState] = {}
        alerting = Alerting(
            settings.alerts, settings.notify, store, self.clock, settings.web.public_url
        )
        storage = StorageHealth()
        metrics = Metrics(lambda: list(states.values()), self.clock, alerting.active, storage)
        metrics.placed(settings.placement)
        rt = Runtime(settings, store, metrics, self.clock, now, states, alerting=alerting)
        rt.storage = storage
        rt.reload = self.reload if self.config_path is not None else None
        rt.next_poll = self.jobs.next_poll
        rt.receivers = Receivers(metrics, self.clock)
        self.runtime = rt
        fetcher = Fetcher(clients)
        rt.probe = Prober(fetcher, metrics, lambda: self.settings.probe, self.clock).answer
        alerting.timed = metrics.alerts_evaluated
        self.poller = Poller(  # after a poll, the alerts of that source (and its referrers)
            fetcher, store, metrics, self.clock, windows_needed(settings.alerts),
            after_poll=lambda state: alerting.polled(state.source.name, states), storage=storage,
        )  # fmt: skip
        try:
            for source in settings.sources:
                states[source.name] = await restored_state(
                    source, store, self.clock, self.poller.extra_windows
                )
            await alerting.load()
            self._start_notifiers(rt, self._build_notifiers(rt, settings))
            await self._drop_unconfigured(rt)
            metrics.reload_ok.set(1)
            metrics.reload_time.set(now)
            await self._serve(rt, create_app(rt))
        finally:
            await clients.aclose()
            await alerting.flush()  # when each condition last held, for the next start
            await store.close()
            log.info("stopped")

    async def _serve(self, rt: Runtime | None, app: Any) -> None:
        """Serve `app` until stopped; with `rt`, schedule its polls and become ready (without,
        the database is unusable: serve the app that says so, nothing else)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        if rt is None:  # nothing to reload into: say so rather than die of SIGHUP
            loop.add_signal_handler(signal.SIGHUP, log.warning, "reload_ignored_database_unusable")
        elif rt.reload is not None:
            loop.add_signal_handler(signal.SIGHUP, self._reload_on_signal)
        count = rt.metrics.http_closed if rt is not None else (lambda reason: None)
        self.web = WebServer(self.settings, app, count)
        self.server = QuietServer(self.web.config)
        server_task = asyncio.create_task(self.server.serve(sockets=[self.bind()]), name="web")
        try:
            while not self.server.started:
                if server_task.done():
                    server_task.result()
                    raise RuntimeError("the web server stopped while starting")
                await asyncio.sleep(0.01)
            if rt is not None:
                self._start(rt)
            stop_task = asyncio.create_task(self._stop.wait())
            await asyncio.wait({server_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
            stop_task.cancel()
        finally:
            if rt is not None:
                rt.ready = False
            if self._clock_task is not None:
                self._clock_task.cancel()
            for task in self._reloads:
                task.cancel()
            await asyncio.gather(*self._reloads, return_exceptions=True)
            await self._shutdown(server_task)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)

    def _start(self, rt: Runtime) -> None:
        self._schedule(rt)
        self._clock_task = asyncio.create_task(watch_clock(self._clock_stepped), name="clock")
        rt.ready = True
        placement = self.settings.placement
        log.info(
            "started", version=__version__, listen=self.settings.web.listen,
            sources=list(rt.states), storage=str(self.settings.storage.path),
            shard=f"{placement.shard}/{placement.shards}", replica=placement.replica,
            probe_only=placement.probe_only,
        )  # fmt: skip
        chores.log_warnings(self.settings)
        chores.warn_foreign_references(self.settings)
        if self.on_ready is not None:
            self.on_ready(rt)

    async def _shutdown(self, server_task: asyncio.Task[None]) -> None:
        log.info("stopping", inflight=len(self._inflight))
        if self.scheduler.running:  # no new runs; shutdown() would cancel the running ones
            self.scheduler.pause()
        if self._inflight:
            _, pending = await asyncio.wait(set(self._inflight), timeout=SHUTDOWN_GRACE)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self._workers.stop(SHUTDOWN_GRACE)
        if self.server is not None:
            self.server.should_exit = True
        _, pending = await asyncio.wait({server_task}, timeout=SHUTDOWN_GRACE)
        if pending and self.server is not None:
            log.warning("web_server_slow_to_stop")
            self.server.force_exit = True
            await asyncio.wait(pending, timeout=SHUTDOWN_GRACE)

    # ------------------------------------------------------------------ schedule

    def _schedule(self, rt: Runtime, poll_now: bool = True) -> None:
        """Every job from now (again after a clock step: APScheduler plans in wall time)."""
        for state in rt.states.values():
            self.jobs.add(state, poll_now=poll_now)
        timers = {
            "evaluate": (self._evaluate, EVALUATE_EVERY, [rt]),
            "check-files": (chores.check_files, CHECK_FILES_EVERY, [rt, self.clock]),
            "retention": (chores.prune, RETENTION_EVERY, [rt, self.clock, OUTBOX_KEEP]),
        }
        for name, (job, every, args) in timers.items():
            self.scheduler.add_job(
                job, IntervalTrigger(seconds=every), args=args, id=name, max_instances=1,
                coalesce=True, replace_existing=True,
                **({"next_run_time": datetime.now(UTC)} if name == "retention" else {}),
            )  # fmt: skip
        if not self.scheduler.running:
            self.scheduler.start()

    def _clock_stepped(self, step: float) -> None:
        """The wall clock jumped `step` seconds: counted, logged, every job re-planned."""
        rt = self.runtime
        log.warning("clock_stepped", seconds=round(step, 1))
        if rt is not None and not self._stop.is_set():
            rt.metrics.clock_steps.inc()
            self._schedule(rt, poll_now=False)

    async def _poll(self, state: SourceState) -> None:
        """A scheduled poll, tracked so shutdown can finish or cancel it."""
        task = asyncio.current_task()
        assert task is not None and self.poller is not None
        self._inflight.add(task)
        try:
            await self.poller.poll(state, lag=self.jobs.lag(state.source.name))
            self.jobs.after_poll(state)
        except asyncio.CancelledError:
            if not self._stop.is_set():
                raise
            # still running SHUTDOWN_GRACE after SIGTERM: said once, no traceback
            log.warning("poll_cancelled", source=state.source.name, grace=SHUTDOWN_GRACE)
        finally:
            self._inflight.discard(task)

    def _skipped(self, name: str) -> None:
        """A scheduled poll of `name` was not run: tickerwatch_source_polls_skipped_total."""
        rt = self.runtime
        state = None if rt is None else rt.states.get(name)
        if rt is not None and state is not None:
            state.skipped_polls += 1
            state.changed()
            rt.metrics.polled(state)

    async def _evaluate(self, rt: Runtime) -> None:
        """Timer evaluation: what the clock alone changes (`for:`, stale), or everything
        after a reload (Alerting.tick)."""
        assert rt.alerting is not None
        try:
            await rt.alerting.tick(rt.states)
        except Exception:
            log.exception("evaluate_failed")

    # ------------------------------------------------------------------ sources and notifiers

    def _build_notifiers(self, rt: Runtime, settings: Settings) -> list[Notifier]:
        """One notifier per receiver of `settings`; nothing is started or stopped."""
        assert rt.alerting is not None and self.clients is not None and rt.receivers is not None
        alerting = rt.alerting
        wiring = Wiring(
            rt.store, self.clients.get, rt.receivers, self.clock, settings.web.public_url,
            lambda: list(alerting.states.values()),
        )  # fmt: skip
        return build_notifiers(settings.notify, wiring)

    def _start_notifiers(self, rt: Runtime, notifiers: list[Notifier]) -> None:
        """One supervised worker per receiver; alert transitions wake them all."""
        assert rt.alerting is not None and rt.receivers is not None
        rt.metrics.keep_receivers(n.name for n in notifiers)
        rt.receivers.keep(n.name for n in notifiers)
        rt.alerting.listeners = [n.wake for n in notifiers]
        self._workers.start(notifiers)

    async def _drop_unconfigured(self, rt: Runtime) -> None:
        """Drop (count, log) the queues of webhooks no longer configured. A store error
        leaves them queued, logged; the next start or reload tries again."""
        hooks = outbox_receivers(self.settings.notify)
        try:
            await drop_unconfigured(rt.store, hooks, rt.metrics, self.clock)
        except StoreError as exc:
            log.error("outbox_cleanup_failed", error=str(exc))

    # ------------------------------------------------------------------ reload

    def _reload_on_signal(self) -> None:
        """SIGHUP: reload in a task that is kept until it ends (reload logs its failures)."""
        task = asyncio.create_task(self.reload(), name="reload")
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)

    async def reload(self) -> bool:
        """Load the config file again and apply it in one step; True if it applied. A
        broken file, or any failure while building the new state (such as a StoreError
        restoring an added source, or an error building the new notifiers), changes
        nothing: the old config and notifiers keep running,
        `tickerwatch_config_last_reload_successful` is 0, and `rt.last_reload_error` and
        one `reload_failed` event say why. A good one applies without a restart and
        without losing history or alert state; a changed source's page is read anew, and
        the queue of a webhook no longer configured is dropped and counted."""
        rt = self.runtime
        assert rt is not None and self.config_path is not None and rt.alerting is not None
        async with self._reload_lock:
            old = self.settings
            try:
                new = load_settings(self.config_path, placement=self.settings.placement)
                plan = await plan_reload(self.settings, new, rt.states, rt.store, self.clock)
                notifiers = None  # built before anything running is touched
                if plan.settings.notify != self.settings.notify:
                    notifiers = self._build_notifiers(rt, plan.settings)
                apply_web = self.web.prepare_reload() if self.web else None
                self._swap(rt, plan)
                if apply_web is not None:
                    apply_web()  # users, certificate: the next request and handshake
                if notifiers is not None:
                    await self._workers.stop(SHUTDOWN_GRACE)
                    self._start_notifiers(rt, notifiers)
                    await self._drop_unconfigured(rt)
            except ConfigError as exc:
                return self._reload_failed(rt, exc.problems)
            except TickerwatchError as exc:
                return self._reload_failed(rt, [str(exc)])
            except Exception as exc:  # a bug: say so, with the traceback, and keep running
                return self._reload_failed(rt, [f"{type(exc).__name__}: {exc}"], exc_info=True)
            rt.metrics.reload_ok.set(1)
            rt.metrics.reload_time.set(self.clock())
            rt.last_reload_error = []
            log.info("reloaded", sources=list(rt.states), alerts=[a.name for a in new.alerts])
            chores.log_warnings(new)
            chores.warn_foreign_references(new, old)
        await self._evaluate(rt)
        return True

    def _reload_failed(self, rt: Runtime, problems: list[str], exc_info: bool = False) -> bool:
        rt.metrics.reload_ok.set(0)
        rt.last_reload_error = problems
        log.error("reload_failed", problems=problems, exc_info=exc_info)
        return False

    def _swap(self, rt: Runtime, plan: ReloadPlan) -> None:
        """Put a reload plan in place; no await, so nothing runs half-way through."""
        assert self.poller is not None and rt.alerting is not None
        for name in plan.removed:
            self.jobs.remove(name)
        self.poller.extra_windows = plan.extra_windows
        rt.states.clear()
        rt.states.update(plan.states)  # the same dict the metrics and the web layer read
        for state, source in plan.changed:
            retimed = timing(state.source) != timing(source)
            moved = state.source.url != source.url
            state.source = source  # read the page anew: no 304 keeps the old reading
            state.etag = state.last_modified = state.read_key = None
            expect_next_poll(state)
            if retimed:  # a new schedule from now; an unchanged one keeps its polls
                self.jobs.add(state, poll_now=moved)
            elif moved:  # a new URL is read at once, the schedule kept
                self.jobs.poll_once(state)
        for state in plan.added:
            self.jobs.add(state)
        rt.alerting.rules = plan.settings.alerts
        rt.alerting.notify = plan.settings.notify
        self.settings = rt.settings = plan.settings
