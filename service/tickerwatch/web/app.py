"""HTTP endpoints: /, /metrics, /probe, /livez, /readyz, /healthz, /api/v1/*, POST /-/reload."""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import datetime
from typing import Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tickerwatch.core.alerts import AlertState
from tickerwatch.core.errors import StoreError
from tickerwatch.core.model import Pair
from tickerwatch.core.settings import NAME_PATTERN
from tickerwatch.core.units import is_number, rfc3339
from tickerwatch.engine.runtime import Runtime
from tickerwatch.store.schema import HistoryRow
from tickerwatch.web import health, landing
from tickerwatch.web.views import alert_view, history_view, notifier_view, rate_view, source_view

HISTORY_DEFAULT_SPAN: Final = 86400.0
HISTORY_MAX_ROWS: Final = 10_000
_NAME: Final = re.compile(NAME_PATTERN)


class BadRequest(Exception):
    pass


CHART_ROWS = 500  # history rows a chart draws at most (the oldest of the week first)


class Endpoints:
    """The request handlers, over the running service's shared parts."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _active_alerts(self) -> list[AlertState]:
        return self.rt.alerting.active() if self.rt.alerting else []

    async def index(self, request: Request) -> Response:
        now = self.rt.clock()
        states = list(self.rt.states.values())
        overall = health.overall(states, now)
        charts: landing.Charts = {}
        try:
            recent: list[HistoryRow] | str = await self.rt.store.recent(landing.RECENT_ROWS)
            for state in states:
                for rate in state.live_rates(now):
                    rows = await self.rt.store.history(
                        state.source.name, rate.printed.pair, now - landing.CHART_SECONDS,
                        now, CHART_ROWS,
                    )  # fmt: skip
                    charts[(state.source.name, rate.printed.pair)] = rows
        except StoreError as exc:  # the page still shows what is in memory
            recent = str(exc)
        resolved = self.rt.alerting.resolved() if self.rt.alerting else []
        page = landing.render(
            states, now, overall, self._active_alerts(), self.rt.next_poll, recent, charts,
            self.rt.settings.web.grafana_url, resolved,
        )  # fmt: skip
        return HTMLResponse(page)

    async def metrics(self, request: Request) -> Response:
        body, content_type = self.rt.metrics.render(request.headers.get("accept", ""))
        return Response(body, media_type=content_type)

    async def livez(self, request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(self, request: Request) -> Response:
        if self.rt.ready:
            return PlainTextResponse("ready\n")
        return PlainTextResponse("not ready\n", status_code=503)

    async def healthz(self, request: Request) -> Response:
        now = self.rt.clock()
        states = list(self.rt.states.values())
        status = health.overall(states, now)
        storage = self.rt.storage
        if status == "ok" and storage.degraded(now):
            status = "degraded"
        body = {
            "status": status,
            **health.placement(self.rt.settings.placement),
            "storage": health.storage_health(storage, now),
            "sources": [health.source_health(s, now) for s in states],
        }
        return JSONResponse(body, status_code=503 if status == "failing" else 200)

    async def rates(self, request: Request) -> Response:
        now = self.rt.clock()
        states = self.rt.states
        items = [
            rate_view(r, s.deviations(states, now))
            for s in states.values()
            for r in s.live_rates(now)
        ]
        return JSONResponse({"rates": items})

    async def history(self, request: Request) -> Response:
        try:
            source, pair, since, until, limit = _history_query(request, self.rt.clock())
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        rows = await self.rt.store.history(source, pair, since, until, limit + 1)
        body: dict[str, object] = {"history": rows[:limit], "truncated": len(rows) > limit}
        if len(rows) > limit:  # oldest first: the next page starts where this one stopped
            body["next_since"] = rfc3339(rows[limit].first_seen)
            body["message"] = (
                f"more than {limit} rows match: ask again with since={body['next_since']}"
                f" (rows overlapping it come again), or a larger limit (at most"
                f" {HISTORY_MAX_ROWS})"
            )
        # 10,000 rows take tens of ms to render: in a thread, not in the polls' event loop
        return await asyncio.to_thread(
            lambda: JSONResponse({**body, "history": list(map(history_view, rows[:limit]))})
        )

    async def sources(self, request: Request) -> Response:
        now, next_poll = self.rt.clock(), self.rt.next_poll
        views = [source_view(s, now, next_poll(n)) for n, s in self.rt.states.items()]
        return JSONResponse({"sources": views})

    async def alerts(self, request: Request) -> Response:
        return JSONResponse({"alerts": [alert_view(a) for a in self._active_alerts()]})

    async def notifiers(self, request: Request) -> Response:
        statuses = self.rt.receivers.statuses() if self.rt.receivers else []
        return JSONResponse({"notifiers": [notifier_view(s) for s in statuses]})

    async def probe(self, request: Request) -> Response:
        if self.rt.probe is None:
            return PlainTextResponse("probing is not available\n", status_code=503)
        work = asyncio.ensure_future(
            self.rt.probe(request.query_params, request.headers.get("accept", ""))
        )
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            await asyncio.wait((work, gone), return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if not work.done():  # the client left: no one waits for this probe
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            return Response(status_code=499)
        answer = work.result()
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)

    async def reload(self, request: Request) -> Response:
        rt = self.rt
        if not rt.settings.web.enable_lifecycle or rt.reload is None:
            message = "lifecycle APIs are not enabled (web.enable_lifecycle: true)\n"
            return PlainTextResponse(message, status_code=403)
        if await rt.reload():
            return PlainTextResponse("reloaded\n")
        problems = "\n".join(rt.last_reload_error)
        message = f"reload failed; the old config stays:\n{problems}\n"
        return PlainTextResponse(message, status_code=500)


async def _not_found(request: Request, exc: Exception) -> Response:
    """Every unknown path, and a wrong method, answered in JSON like the API."""
    status = getattr(exc, "status_code", 404)
    if status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
        return JSONResponse({"error": "method_not_allowed", "message": message}, 405)
    message = f"no such endpoint: {request.url.path} (the landing page / lists them)"
    return JSONResponse({"error": "not_found", "message": message}, status_code=404)


def create_app(rt: Runtime) -> Starlette:
    e = Endpoints(rt)
    return Starlette(
        exception_handlers={404: _not_found, 405: _not_found, StoreError: _store_failed},
        routes=[
            Route("/", e.index),
            Route("/metrics", e.metrics),
            Route("/probe", e.probe),
            Route("/livez", e.livez),
            Route("/readyz", e.readyz),
            Route("/healthz", e.healthz),
            Route("/api/v1/rates", e.rates),
            Route("/api/v1/rates/history", e.history),
            Route("/api/v1/sources", e.sources),
            Route("/api/v1/alerts", e.alerts),
            Route("/api/v1/notifiers", e.notifiers),
            Route("/-/reload", e.reload, methods=["POST", "PUT"]),
        ],
    )


async def _store_failed(request: Request, exc: Exception) -> Response:
    """A read the history database failed: 503 with its message, never a 500."""
    return JSONResponse({"error": str(exc)}, status_code=503)


async def _disconnected(request: Request) -> None:
    """Returns when the client has hung up (a GET's one body message comes first)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _history_query(
    request: Request, now: float
) -> tuple[str | None, Pair | None, float, float, int]:
    params = request.query_params
    source = params.get("source") or None
    if source is not None and not _NAME.match(source):
        raise BadRequest("source: not a source name")
    pair = None
    if params.get("pair"):
        try:
            pair = Pair.parse(params["pair"])
        except ValueError as exc:
            raise BadRequest(f"pair: {exc}") from None
    until = _time(params.get("until"), "until", now)
    since = _time(params.get("since"), "since", until - HISTORY_DEFAULT_SPAN)
    if since > until:
        raise BadRequest("since: must not be after until")
    limit_text = params.get("limit", "1000")
    if not is_number(limit_text) or not 1 <= int(limit_text) <= HISTORY_MAX_ROWS:
        raise BadRequest(f"limit: a whole number from 1 to {HISTORY_MAX_ROWS}")
    return source, pair, since, until, int(limit_text)


def _time(value: str | None, name: str, default: float) -> float:
    """Unix seconds or RFC 3339 (2025-12-08T10:00:00Z)."""
    if not value:
        return default
    if len(value) > 40:
        raise BadRequest(f"{name}: too long")
    try:
        seconds = float(value)
    except ValueError:
        seconds = _rfc3339(value, name)
    if not 0 <= seconds < 1e11:
        raise BadRequest(f"{name}: out of range")
    return seconds


def _rfc3339(value: str, name: str) -> float:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name}: expected Unix seconds or RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise BadRequest(f"{name}: give a time zone (e.g. Z)")
    return parsed.timestamp()
