"""A small HTTP load generator, run in its own process so the load does not share the test
process's CPU time (what wrk did, without a system package):

    python tests/support/loadgen.py URL CONNECTIONS SECONDS

CONNECTIONS keep-alive HTTP/1.1 connections each send GET URL, wait for the whole answer
and send again, for SECONDS. Prints one JSON object: requests (answered with 2xx), errors
(other statuses, connection failures, answers without Content-Length, 5 s timeouts),
latency percentiles in ms (p50, p90, p99, max) and requests per second. Raw asyncio
streams rather than an HTTP client library: the client's CPU per request is what the
measured server loses on a shared machine, and these answers need no more than
Content-Length framing.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TIMEOUT = 5.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # of every answer
    ok: int = 0
    errors: int = 0


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; (status, whether the server keeps the connection open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if "content-length" not in headers:
        raise ValueError("an answer without Content-Length")
    await reader.readexactly(int(headers["content-length"]))
    return status, headers.get("connection", "").lower() != "close"


async def _connection(host: str, port: int, request: bytes, until: float, tally: Tally) -> None:
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    while time.monotonic() < until:
        try:
            async with asyncio.timeout(TIMEOUT):
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                assert reader is not None
                started = time.perf_counter()
                writer.write(request)
                status, keep = await _answer(reader)
            tally.latencies.append(time.perf_counter() - started)
            if 200 <= status < 300:
                tally.ok += 1
            else:
                tally.errors += 1
            if not keep:
                writer.close()
                writer = None
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
            tally.errors += 1
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def load(url: str, connections: int, seconds: float) -> dict[str, float]:
    """Run the load; the summary printed as JSON."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    tally = Tally()
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(
        *(_connection(host, port, request, until, tally) for _ in range(connections))
    )
    elapsed = time.monotonic() - started
    ms = sorted(x * 1000 for x in tally.latencies) or [0.0]
    cuts = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
    return {
        "requests": tally.ok, "errors": tally.errors, "p50_ms": round(cuts[49], 2),
        "p90_ms": round(cuts[89], 2), "p99_ms": round(cuts[98], 2), "max_ms": round(ms[-1], 2),
        "rps": round(tally.ok / elapsed, 1),
    }  # fmt: skip


if __name__ == "__main__":
    url, connections, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    print(json.dumps(asyncio.run(load(url, connections, seconds))))
