"""HTTP endpoints: /, /metrics, /livez, /readyz, /healthz, /api/v1/*."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tickerwatch import health, landing
from tickerwatch.model import Pair
from tickerwatch.runtime import Runtime
from tickerwatch.views import alert_view, history_view, rate_view, source_view

HISTORY_DEFAULT_SPAN: Final = 86400.0
HISTORY_MAX_ROWS: Final = 10_000
_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


class BadRequest(Exception):
    pass


def create_app(rt: Runtime) -> Starlette:
    async def index(request: Request) -> Response:
        now = rt.clock()
        states = list(rt.states.values())
        active = rt.alerting.active() if rt.alerting else []
        return HTMLResponse(landing.render(states, now, health.overall(states, now), active))

    async def metrics(request: Request) -> Response:
        body, content_type = rt.metrics.render(request.headers.get("accept", ""))
        return Response(body, media_type=content_type)

    async def livez(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(request: Request) -> Response:
        if rt.ready:
            return PlainTextResponse("ready\n")
        return PlainTextResponse("not ready\n", status_code=503)

    async def healthz(request: Request) -> Response:
        now = rt.clock()
        states = list(rt.states.values())
        status = health.overall(states, now)
        body = {"status": status, "sources": [health.source_health(s, now) for s in states]}
        return JSONResponse(body, status_code=503 if status == "failing" else 200)

    async def rates(request: Request) -> Response:
        now = rt.clock()
        items = [rate_view(r) for s in rt.states.values() for r in s.live_rates(now)]
        return JSONResponse({"rates": items})

    async def history(request: Request) -> Response:
        try:
            source, pair, since, until, limit = _history_query(request, rt.clock())
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        rows = await rt.store.history(source, pair, since, until, limit)
        return JSONResponse({"history": [history_view(r) for r in rows]})

    async def sources(request: Request) -> Response:
        now = rt.clock()
        return JSONResponse({"sources": [source_view(s, now) for s in rt.states.values()]})

    async def alerts(request: Request) -> Response:
        active = rt.alerting.active() if rt.alerting else []
        return JSONResponse({"alerts": [alert_view(a) for a in active]})

    async def reload(request: Request) -> Response:
        if not rt.settings.web.enable_lifecycle or rt.reload is None:
            return PlainTextResponse(
                "lifecycle APIs are not enabled (web.enable_lifecycle: true)\n", status_code=403
            )
        if await rt.reload():
            return PlainTextResponse("reloaded\n")
        problems = "\n".join(rt.last_reload_error)
        return PlainTextResponse(
            f"reload failed; the old config stays:\n{problems}\n", status_code=500
        )

    return Starlette(
        routes=[
            Route("/", index),
            Route("/metrics", metrics),
            Route("/livez", livez),
            Route("/readyz", readyz),
            Route("/healthz", healthz),
            Route("/api/v1/rates", rates),
            Route("/api/v1/rates/history", history),
            Route("/api/v1/sources", sources),
            Route("/api/v1/alerts", alerts),
            Route("/-/reload", reload, methods=["POST", "PUT"]),
        ]
    )


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
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= HISTORY_MAX_ROWS:
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
