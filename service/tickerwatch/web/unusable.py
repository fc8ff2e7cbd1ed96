"""The web app while the history database cannot be used at start (corrupt): /livez
answers, /readyz, /healthz, /metrics and every API answer 503 saying which file and why."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


def create_unusable_app(path: str, problem: str) -> Starlette:
    """`path`: the database file; `problem`: what SQLite found (StoreError's message)."""

    async def livez(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(request: Request) -> Response:
        return PlainTextResponse(f"not ready: {problem}\n", status_code=503)

    async def healthz(request: Request) -> Response:
        body = {"status": "failing", "storage": {"path": path, "error": problem}, "sources": []}
        return JSONResponse(body, status_code=503)

    async def other(request: Request) -> Response:
        return JSONResponse({"error": problem}, status_code=503)

    return Starlette(
        routes=[
            Route("/livez", livez),
            Route("/readyz", readyz),
            Route("/healthz", healthz),
            Route("/{rest:path}", other, methods=["GET", "HEAD", "POST", "PUT"]),
        ]
    )
