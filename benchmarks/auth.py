"""Basic auth timing: does a refusal tell whether the user exists? Times a request with an
unknown user against one with a known user and a wrong password (cost-10 hashes, as
`htpasswd -nBC 10` makes them; each request a new password, so nothing is remembered),
in alternating pairs, and the CPU a flood of bad logins takes (cores busy: CPU ÷ wall).

Run alone: `.venv/bin/python benchmarks/auth.py`; `make bench` runs it too.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import bcrypt
import httpx
from starlette.types import Receive, Scope, Send

from tickerwatch.web.auth import BasicAuth

COST = 10


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _measure(pairs: int, flood: int) -> dict[str, float]:
    users = {"prometheus": bcrypt.hashpw(b"correct horse", bcrypt.gensalt(COST)).decode()}
    transport = httpx.ASGITransport(app=BasicAuth(_ok, users))
    async with httpx.AsyncClient(transport=transport, base_url="http://tw") as client:

        async def timed(user: str, password: str) -> float:
            started = time.perf_counter()
            response = await client.get("/metrics", auth=(user, password))
            assert response.status_code == 401
            return time.perf_counter() - started

        unknown, wrong = [], []
        for i in range(pairs):
            unknown.append(await timed(f"nobody{i}", f"guess {i}"))
            wrong.append(await timed("prometheus", f"guess {i}"))
        cpu, wall = time.process_time(), time.perf_counter()
        logins = [client.get("/", auth=("prometheus", f"flood {i}")) for i in range(flood)]
        assert {r.status_code for r in await asyncio.gather(*logins)} == {401}
        cores = (time.process_time() - cpu) / (time.perf_counter() - wall)
    return {
        "auth_unknown_user_ms": statistics.median(unknown) * 1000,
        "auth_known_user_wrong_password_ms": statistics.median(wrong) * 1000,
        "auth_ratio_unknown_to_known": statistics.median(unknown) / statistics.median(wrong),
        f"auth_flood_{flood}_bad_logins_cores_busy": cores,
    }


def auth_timing(pairs: int = 20, flood: int = 16) -> dict[str, float]:
    return asyncio.run(_measure(pairs, flood))


if __name__ == "__main__":
    print(json.dumps({k: round(v, 3) for k, v in auth_timing().items()}, indent=2))
