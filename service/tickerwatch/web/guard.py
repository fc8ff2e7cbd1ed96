"""The web server's defences against clients that hold connections open or send requests
that two parsers could read differently.

uvicorn bounds a request head's size (h11, 16 KiB) and an idle keep-alive connection
(`timeout_keep_alive`), but not the time a client takes to send a head, nor the sockets it
holds: 1,100 clients trickling headers held every file descriptor of a process limited to
1024 (the systemd default), and /livez stopped answering. `guarded_h11` bounds both:

- a request head must be complete within `head_timeout` seconds of its first byte (of the
  connection, for the first request), else the connection is closed (`head_timeout`);
- at most `limit` connections are open; a new one over the limit closes the connection
  that has waited longest for its head — a slow client, never a request being answered —
  so a quick request such as a probe still gets in during an attack (`over_limit`).

h11 serves a request with both Content-Length and Transfer-Encoding by the latter, and any
bytes after the chunked body as a second request: what a proxy that reads Content-Length
sees as one request (request smuggling). `RejectAmbiguousLength` answers such a request
400 with `Connection: close`, so nothing after it is read (`ambiguous_length`).

Each closure is passed to `count(reason)` (a metric) and logged as `http_connection_closed`
at most once a minute per reason, with how many since the last such event.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Final

import structlog
from uvicorn.protocols.http.h11_impl import H11Protocol

log = structlog.get_logger("tickerwatch.web")

HEAD_TIMEOUT: Final = 10.0
LOG_EVERY: Final = 60.0
_HEAD_END: Final = b"\r\n\r\n"


class Guard:
    """What a server's connections share: the limit, the connections waiting for a request
    head (oldest first), and the counting and rate-limited logging of closures."""

    def __init__(
        self, limit: int, count: Callable[[str], None], head_timeout: float = HEAD_TIMEOUT
    ) -> None:
        self.limit = limit
        self.head_timeout = head_timeout
        self.count = count
        self.open = 0
        self.waiting: dict[Any, None] = {}  # insertion-ordered: the oldest first
        self._since: dict[str, tuple[int, float]] = {}  # reason → closed since logged, when

    def closed(self, reason: str) -> None:
        self.count(reason)
        count, logged_at = self._since.get(reason, (0, -LOG_EVERY))
        now = time.monotonic()
        if now - logged_at < LOG_EVERY:
            self._since[reason] = (count + 1, logged_at)
            return
        log.warning("http_connection_closed", reason=reason, closed=count + 1, every=LOG_EVERY)
        self._since[reason] = (0, now)


def guarded_h11(guard: Guard) -> type[H11Protocol]:
    """uvicorn's h11 protocol (Config(http=…)) with `guard`'s head deadline and limit."""

    class GuardedH11(H11Protocol):
        _timer: asyncio.TimerHandle | None = None
        _tail = b""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            guard.open += 1
            self._head_started()
            if guard.open > guard.limit:
                next(iter(guard.waiting))._close("over_limit")  # self at worst

        def data_received(self, data: bytes) -> None:
            seen = self._tail + data
            if _HEAD_END in seen:
                self._head_done()
            elif self._timer is None:
                self._head_started()
            self._tail = seen[-3:]
            super().data_received(data)

        def connection_lost(self, exc: Exception | None) -> None:
            guard.open -= 1
            self._head_done()
            super().connection_lost(exc)

        def _head_started(self) -> None:
            guard.waiting[self] = None
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(guard.head_timeout, self._close, "head_timeout")

        def _head_done(self) -> None:
            guard.waiting.pop(self, None)
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _close(self, reason: str) -> None:
            self._head_done()
            guard.closed(reason)
            self.transport.close()

    return GuardedH11


class RejectAmbiguousLength:
    """ASGI middleware: 400 and `Connection: close` for a request that carries both
    Content-Length and Transfer-Encoding (RFC 9112 §6.1: a server may reject it, and must
    close the connection after answering it)."""

    def __init__(self, app: Any, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            names = {name for name, _ in scope["headers"]}
            if b"content-length" in names and b"transfer-encoding" in names:
                self.guard.closed("ambiguous_length")
                body = b'{"error": "both Content-Length and Transfer-Encoding"}'
                await send({"type": "http.response.start", "status": 400, "headers": [
                    (b"content-type", b"application/json"), (b"connection", b"close"),
                    (b"content-length", str(len(body)).encode()),
                ]})  # fmt: skip
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
