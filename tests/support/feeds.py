"""Central-bank feeds for tests: the recorded bodies (tests/fixtures/feeds), served by a
real local server, fetched and read the way a poll reads them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from support.httpserver import PageServer, send
from tickerwatch.config import load_settings
from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.model import Deduplicated, Page, PrintedRate
from tickerwatch.core.parse import BUILTIN
from tickerwatch.core.settings import Source
from tickerwatch.fetch.client import Clients, Fetcher, RetryPolicy
from tickerwatch.sources import READERS

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
CONFIG = Path(__file__).resolve().parents[2] / "config"
XML = "text/xml"


def source(fmt: str, url: str = "http://127.0.0.1/", **changes: Any) -> Source:
    """A source named and formatted `fmt` (UTC, no decimal mark: the format's own)."""
    base = Source(
        fmt, url, fmt, BUILTIN["timesca"], (), 3600.0, 0.0, 5.0, 2**20, 3600.0, 86400.0, ()
    )
    return replace(base, **changes)


def fetch(url: str) -> Page:
    async def go() -> Page:
        async with Clients() as clients:
            return await Fetcher(clients, RetryPolicy(attempts=1)).fetch(
                url, deadline=5, max_body=2**20
            )

    return asyncio.run(go())


def served(server: PageServer, name: str, body: bytes, content_type: str) -> Page:
    path = f"/{name}"
    server.route(path, lambda r: send(r, 200, body, {"Content-Type": content_type}))
    return fetch(server.url(path))


def read(page: Page, src: Source) -> Deduplicated:
    ticker = READERS[src.format](page, src, None)[1]
    assert ticker is not None
    return deduplicate(ticker.entries, ticker.unreadable)


def poll(server: PageServer, file: str, fmt: str, content_type: str, **kw: object) -> Deduplicated:
    page = served(server, file, (FEEDS / file).read_bytes(), content_type)
    return read(page, source(fmt, **kw))


def by_pair(result: Deduplicated) -> dict[str, PrintedRate]:
    return {str(q.pair): q for q in result.rates}


def example(name: str) -> Source:
    """A source of config/feeds-example.yaml."""
    sources = load_settings(CONFIG / "feeds-example.yaml", environ={}).sources
    return next(s for s in sources if s.name == name)
