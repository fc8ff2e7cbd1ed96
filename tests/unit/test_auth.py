"""Basic auth as exporter-toolkit does it: an unknown user costs the same bcrypt comparison
as a known one, comparisons run one at a time, and a repeated header (good or bad) is
answered from memory. Real bcrypt; the comparisons are counted by wrapping it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import bcrypt
import httpx
import pytest
from starlette.types import Receive, Scope, Send

from tickerwatch.config.webfile import load_web_file
from tickerwatch.core.errors import ConfigError
from tickerwatch.web.auth import CACHE_SIZE, BasicAuth

T = TypeVar("T")
COST = 5
USERS = {"prometheus": bcrypt.hashpw(b"correct horse", bcrypt.gensalt(COST)).decode()}


class Bcrypt:
    """bcrypt.checkpw, counted: which hashes it was asked about, and how many at once."""

    def __init__(self, hold: float = 0.0) -> None:
        self.hashes: list[bytes] = []
        self.running = self.most = 0
        self.hold = hold  # keeps each comparison busy a little longer, so overlaps show
        self._lock = threading.Lock()

    def __call__(self, password: bytes, hashed: bytes) -> bool:
        with self._lock:
            self.hashes.append(hashed)
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            ok = bcrypt.checkpw(password, hashed)
            time.sleep(self.hold)
            return ok
        finally:
            with self._lock:
                self.running -= 1


async def ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def run(spy: Bcrypt, requests: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async def main() -> T:
        app = BasicAuth(ok, USERS, checkpw=spy)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tw") as client:
            return await requests(client)

    return asyncio.run(main())


def statuses(*auths: tuple[str, str]) -> Callable[[httpx.AsyncClient], Awaitable[list[int]]]:
    async def send(client: httpx.AsyncClient) -> list[int]:
        return [(await client.get("/metrics", auth=a)).status_code for a in auths]

    return send


def test_an_unknown_user_costs_a_comparison_at_the_users_cost() -> None:
    spy = Bcrypt()
    assert run(spy, statuses(("nobody", "correct horse"), ("prometheus", "wrong"))) == [401, 401]
    dummy, real = spy.hashes
    assert real == USERS["prometheus"].encode()
    assert dummy != real and dummy[:7] == real[:7] == f"$2b${COST:02d}$".encode()


def test_comparisons_run_one_at_a_time() -> None:
    spy = Bcrypt(hold=0.05)

    async def flood(client: httpx.AsyncClient) -> list[int]:
        wrong = [client.get("/", auth=("prometheus", f"guess {i}")) for i in range(4)]
        unknown = [client.get("/", auth=(f"user{i}", "guess")) for i in range(4)]
        return [r.status_code for r in await asyncio.gather(*wrong, *unknown)]

    assert run(spy, flood) == [401] * 8
    assert (len(spy.hashes), spy.most) == (8, 1)


def test_a_repeated_header_is_answered_from_memory() -> None:
    spy = Bcrypt()
    again = (
        [("prometheus", "wrong")] * 3
        + [("nobody", "x")] * 3
        + [("prometheus", "correct horse")] * 3
    )
    assert run(spy, statuses(*again)) == [401] * 6 + [200] * 3
    assert len(spy.hashes) == 3  # one per distinct header


def test_a_flood_of_wrong_headers_does_not_evict_the_good_one() -> None:
    spy = Bcrypt()

    async def scrape_flood_scrape(client: httpx.AsyncClient) -> list[int]:
        first = await client.get("/metrics", auth=("prometheus", "correct horse"))
        for i in range(CACHE_SIZE + 10):
            await client.get("/metrics", auth=("prometheus", f"guess {i}"))
        second = await client.get("/metrics", auth=("prometheus", "correct horse"))
        return [first.status_code, second.status_code]

    assert run(spy, scrape_flood_scrape) == [200, 200]
    assert len(spy.hashes) == 1 + CACHE_SIZE + 10  # the second scrape needed no bcrypt


def test_a_password_longer_than_bcrypt_reads_is_refused_not_an_error() -> None:
    spy = Bcrypt()
    assert run(spy, statuses(("prometheus", "x" * 100), ("nobody", "y" * 500))) == [401, 401]


def test_a_hash_bcrypt_cannot_use_is_a_config_error(tmp_path: Path) -> None:
    good = USERS["prometheus"]
    web = tmp_path / "web.yml"
    web.write_text(f"basic_auth_users:\n  a: '{good}'\n  b: '{good[:4]}xx{good[6:]}'\n")
    with pytest.raises(ConfigError) as raised:
        load_web_file(web)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{web}:3: basic_auth_users.b: not a bcrypt hash")
