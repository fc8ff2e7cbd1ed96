"""HTTP basic auth against bcrypt hashes, as an ASGI middleware, the way Prometheus'
exporter-toolkit does it. /livez and /readyz stay open for probes.

- An unknown user is compared against a dummy hash of the users' cost, so the time of a
  refusal does not tell who exists.
- bcrypt runs one comparison at a time (a thread, behind a lock): a flood of bad logins
  takes one core, not all of them.
- Recent outcomes are remembered by the SHA-256 of the Authorization header: a verified
  header (a Prometheus scraping every few seconds) and a refused one (a client repeating
  the same wrong header) cost bcrypt's ~80 ms once. Successes and failures are kept apart,
  so a flood of wrong headers never evicts a good one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

import anyio.to_thread
import bcrypt
from starlette.types import ASGIApp, Receive, Scope, Send

OPEN_PATHS: Final = frozenset({"/livez", "/readyz"})
CACHE_SIZE: Final = 256  # remembered headers, per outcome
BCRYPT_MAX: Final = 72  # bcrypt reads this many bytes of a password; the rest never counted


class BasicAuth:
    def __init__(
        self,
        app: ASGIApp,
        users: dict[str, str],
        checkpw: Callable[[bytes, bytes], bool] = bcrypt.checkpw,
    ) -> None:
        """`users`: name → bcrypt hash (checked by config.webfile). Hashes the dummy password
        once, at the highest cost among the users' hashes (~80 ms at cost 10)."""
        self.app = app
        self._checkpw = checkpw
        self._bcrypt = asyncio.Lock()
        self.set_users(users)

    def set_users(self, users: dict[str, str]) -> None:
        """Replace the users (a reload); what was remembered of the old ones is forgotten.
        No users: every request passes (a web config file with TLS only)."""
        self.users = {name: hashed.encode() for name, hashed in users.items()}
        self._dummy = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(_cost(self.users)))
        self._verified: OrderedDict[bytes, None] = OrderedDict()
        self._refused: OrderedDict[bytes, None] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or not self.users:
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
        for known, outcome in ((self._verified, True), (self._refused, False)):
            if key in known:
                known.move_to_end(key)
                return outcome
        credentials = _credentials(header)
        if credentials is None:
            return False
        user, password = credentials
        hashed = self.users.get(user)
        async with self._bcrypt:
            matches = await anyio.to_thread.run_sync(
                self._checkpw, password.encode()[:BCRYPT_MAX], hashed or self._dummy
            )
        ok = hashed is not None and bool(matches)
        _remember(self._verified if ok else self._refused, key)
        return ok


def _remember(cache: OrderedDict[bytes, None], key: bytes) -> None:
    cache[key] = None
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


def _cost(users: dict[str, bytes]) -> int:
    """The highest cost among bcrypt hashes ($2y$10$… → 10); bcrypt's default without any."""
    costs = [int(h.split(b"$")[2]) for h in users.values()]
    return max(costs, default=12)


def _credentials(header: bytes) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(b" ")
    if not hmac.compare_digest(scheme.lower(), b"basic") or len(encoded) > 1024:
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None
