"""The floor under any poll: CPU of a bare httpx GET (default AsyncClient, nothing else) of
the benchmark page, of its 304, and of the text page — what tickerwatch's fetch cannot go
below without another HTTP client. `.venv/bin/python benchmarks/http_floor.py [N]`"""

from __future__ import annotations

import asyncio
import sys
import time

import httpx

from pageserver import served


async def floor(port: int, n: int) -> dict[str, float]:
    out = {}
    async with httpx.AsyncClient() as client:
        for path, headers in (("page", {}), ("etag", {"If-None-Match": '"fixed"'}), ("text", {})):
            url = f"http://127.0.0.1:{port}/{path}"
            for _ in range(30):
                await client.get(url, headers=headers)
            cpu = time.process_time()
            for _ in range(n):
                response = await client.get(url, headers=headers)
            out[f"{path}_{response.status_code}_ms"] = (time.process_time() - cpu) / n * 1000
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with served() as port:
        for key, value in asyncio.run(floor(port, n)).items():
            print(f"bare httpx GET {key}: {value:.3f} ms CPU")


if __name__ == "__main__":
    main()
