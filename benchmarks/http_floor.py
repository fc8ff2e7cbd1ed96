"""The floor under any poll: CPU per GET of bare HTTP clients, nothing else, for the ≈180 KB
benchmark page (200), its 304 (If-None-Match) and the page gzip'd (200, decoded by the
client) — what tickerwatch's fetch cannot go below with each client.

Clients: httpx.AsyncClient as the service uses it (default transport, HTTP/1.1, one client
reused) and one client per request; aiohttp.ClientSession (llhttp, C); pycurl (libcurl)
blocking in a one-thread executor, as an asyncio service would run it, and blocking on
the loop's thread (a lower bound: no hand-off, but it would stall the loop);
tickerwatch's own `Fetcher.fetch` for reference (httpx plus redirects, max_body, its
decoders and the body decoded to text). Every client reads the whole body decoded.
blackbox_exporter's whole probe of the same URL (CPU of its process, `compare._Blackbox`),
when it is installed.

CPU is this process's (all threads: `time.process_time`) around each batch, after a
warm-up; every (client, response) pair runs in batches, the order rotated each round, so
the machine's noise falls on all alike. The page server is a process of its own.
`.venv/bin/python benchmarks/http_floor.py [N per cell, default 300] [batch, default 50]`
"""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

import aiohttp
import httpx
import pycurl

from compare import _Blackbox
from pageserver import served
from run import free_port
from tickerwatch.fetch.client import Clients, Fetcher

Get = Callable[[str, dict[str, str]], Awaitable[tuple[int, int]]]
"""GET `url` with `headers`; (status, decoded body bytes)."""

KINDS: Final = {  # response kind: (path, request headers, status, smallest body)
    "200 page": ("page", {}, 200, 150_000),
    "304": ("etag", {"If-None-Match": '"fixed"'}, 304, 0),
    "200 gzip": ("gzip", {}, 200, 150_000),
}
PER_REQUEST: Final = "httpx AsyncClient per request (5 per batch)"
SLOW: Final = {PER_REQUEST: 5}  # a new client builds an SSL context: ≈50 ms


async def httpx_per_request(url: str, headers: dict[str, str]) -> tuple[int, int]:
    async with httpx.AsyncClient() as client:
        response = await client.get(url, headers=headers)
        return response.status_code, len(response.content)


class Curl:
    """One reused libcurl handle (keeps its connection); `get` blocks."""

    def __init__(self) -> None:
        self.handle = pycurl.Curl()
        self.handle.setopt(pycurl.ACCEPT_ENCODING, "")  # every coding libcurl has, decoded

    def get(self, url: str, headers: dict[str, str]) -> tuple[int, int]:
        body, head = io.BytesIO(), list[bytes]()
        curl = self.handle
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.HTTPHEADER, [f"{k}: {v}" for k, v in headers.items()])
        curl.setopt(pycurl.WRITEDATA, body)
        curl.setopt(pycurl.HEADERFUNCTION, head.append)  # the headers, as the Fetcher needs
        curl.perform()
        return int(curl.getinfo(pycurl.RESPONSE_CODE)), len(body.getvalue())


async def clients(stack: list[Callable[[], Coroutine[None, None, None]]]) -> dict[str, Get]:
    """Every client's `Get`, made in the running loop; closers pushed on `stack`."""
    reused, session = httpx.AsyncClient(), aiohttp.ClientSession()
    shared, curl, pool = Clients(), Curl(), ThreadPoolExecutor(1)
    fetcher = Fetcher(shared)

    async def httpx_reused(url: str, headers: dict[str, str]) -> tuple[int, int]:
        response = await reused.get(url, headers=headers)
        return response.status_code, len(response.content)

    async def aiohttp_session(url: str, headers: dict[str, str]) -> tuple[int, int]:
        async with session.get(url, headers=headers) as response:
            return response.status, len(await response.read())

    async def curl_thread(url: str, headers: dict[str, str]) -> tuple[int, int]:
        return await asyncio.get_running_loop().run_in_executor(pool, curl.get, url, headers)

    async def curl_blocking(url: str, headers: dict[str, str]) -> tuple[int, int]:
        return curl.get(url, headers)

    async def tickerwatch_fetcher(url: str, headers: dict[str, str]) -> tuple[int, int]:
        etag = headers.get("If-None-Match")
        page = await fetcher.fetch(url, deadline=10, max_body=10_000_000, etag=etag)
        return page.status, len((page.body or "").encode())

    async def close() -> None:
        await reused.aclose()
        await session.close()
        await shared.aclose()
        pool.shutdown()
        curl.handle.close()

    stack.append(close)
    return {
        "httpx AsyncClient, reused (the service's)": httpx_reused,
        PER_REQUEST: httpx_per_request,
        "aiohttp ClientSession (llhttp)": aiohttp_session,
        "pycurl in a 1-thread executor": curl_thread,
        "pycurl blocking on the loop (lower bound)": curl_blocking,
        "tickerwatch Fetcher.fetch (httpx + its checks)": tickerwatch_fetcher,
    }


async def batch(get: Get, url: str, kind: str, n: int) -> float:
    """CPU seconds of `n` GETs; checks the last response is what `kind` should be."""
    _, headers, status, smallest = KINDS[kind]
    cpu = time.process_time()
    for _ in range(n):
        got = await get(url, headers)
    cpu = time.process_time() - cpu
    assert got[0] == status and got[1] >= smallest, f"{url}: {got}"
    return cpu


def measure(port: int, n: int, size: int) -> dict[str, dict[str, float]]:
    """{client: {kind: ms CPU per GET}}, with blackbox_exporter's probe when installed: for
    the 304 it gets the 200 (it sends no validators); not the gzip'd page (its module
    would need `compression: gzip` to decode it, and compare.py's modules have none)."""
    base = f"http://127.0.0.1:{port}"
    cpu: dict[tuple[str, str], float] = {}
    count: dict[tuple[str, str], int] = {}
    stack: list[Callable[[], Coroutine[None, None, None]]] = []
    binary = shutil.which("prometheus-blackbox-exporter") or shutil.which("blackbox_exporter")
    with asyncio.Runner() as runner, tempfile.TemporaryDirectory() as tmp:
        gets = runner.run(clients(stack))
        blackbox = None if binary is None else _Blackbox(binary, free_port(), Path(tmp))
        try:
            names = [*gets, *(["blackbox"] if blackbox is not None else [])]
            jobs = [(c, k) for c in names for k in KINDS if (c, k) != ("blackbox", "200 gzip")]
            for client, kind in jobs:  # warm-up
                url = f"{base}/{KINDS[kind][0]}"
                if blackbox is not None and client == "blackbox":
                    blackbox.check("html_literal", url)
                else:
                    runner.run(batch(gets[client], url, kind, 20))
            for r in range(max(1, n // size)):
                for client, kind in jobs[r % len(jobs) :] + jobs[: r % len(jobs)]:
                    url, many = f"{base}/{KINDS[kind][0]}", SLOW.get(client, size)
                    if blackbox is not None and client == "blackbox":
                        spent = blackbox.batch("html_literal", url, many)
                    else:
                        spent = runner.run(batch(gets[client], url, kind, many))
                    cpu[client, kind] = cpu.get((client, kind), 0.0) + spent
                    count[client, kind] = count.get((client, kind), 0) + many
        finally:
            for close in stack:
                runner.run(close())
            if blackbox is not None:
                blackbox.close()
    table: dict[str, dict[str, float]] = {}
    for (client, kind), seconds in cpu.items():
        name = "blackbox_exporter probe (whole)" if client == "blackbox" else client
        table.setdefault(name, {})[kind] = seconds / count[client, kind] * 1000
    return table


def markdown(table: dict[str, dict[str, float]]) -> str:
    lines = ["| client | " + " | ".join(KINDS) + " |", "|---" * (len(KINDS) + 1) + "|"]
    for client, row in table.items():
        cells = (f"{row[k]:.2f}" if k in row else "—" for k in KINDS)
        lines.append(f"| {client} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    with served() as port:
        print(f"ms CPU per GET, {n // size * size} GETs per cell in batches of {size}\n")
        print(markdown(measure(port, n, size)))


if __name__ == "__main__":
    main()
