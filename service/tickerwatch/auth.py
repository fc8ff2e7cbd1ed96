"""HTTP basic auth against bcrypt hashes, as an ASGI middleware. /livez and /readyz stay
open for probes. A verified Authorization header is remembered (by its SHA-256), so a
Prometheus scraping every few seconds does not pay bcrypt's ~80 ms each time."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections import OrderedDict
from typing import Final

import anyio.to_thread
import bcrypt
from starlette.types import ASGIApp, Receive, Scope, Send

OPEN_PATHS: Final = frozenset({"/livez", "/readyz"})
CACHE_SIZE: Final = 256


class BasicAuth:
    def __init__(self, app: ASGIApp, users: dict[str, str]) -> None:
        self.app = app
        self.users = {name: hashed.encode() for name, hashed in users.items()}
        self._verified: OrderedDict[bytes, None] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization", b"")
        if await self._allowed(header):
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"www-authenticate", b'Basic realm="tickerwatch"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"401 Unauthorized\n"})

    async def _allowed(self, header: bytes) -> bool:
        key = hashlib.sha256(header).digest()
        if key in self._verified:
            self._verified.move_to_end(key)
            return True
        credentials = _credentials(header)
        if credentials is None:
            return False
        user, password = credentials
        hashed = self.users.get(user)
        if hashed is None:
            return False
        ok = await anyio.to_thread.run_sync(bcrypt.checkpw, password.encode(), hashed)
        if ok:
            self._verified[key] = None
            if len(self._verified) > CACHE_SIZE:
                self._verified.popitem(last=False)
        return bool(ok)


def _credentials(header: bytes) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(b" ")
    if not hmac.compare_digest(scheme.lower(), b"basic") or len(encoded) > 1024:
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None
