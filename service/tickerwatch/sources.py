"""Read a page for `tickerwatch parse`: a file, a URL, or standard input."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tickerwatch.fetch import Clients, Fetcher
from tickerwatch.model import Page

DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BODY = 5 * 2**20
ANY_HOST = frozenset({"*"})


def read_source(src: str) -> tuple[str, str]:
    """(body, content type) of SRC; raises FetchError for URLs and OSError for files."""
    if src.startswith(("http://", "https://")):
        page = asyncio.run(_fetch(src))
        return page.body or "", page.content_type
    if src == "-":
        data = sys.stdin.buffer.read()
        return data.decode("utf-8", "replace"), ""
    path = Path(src)
    data = path.read_bytes()
    kind = "text/html" if path.suffix.lower() in {".html", ".htm"} else ""
    return data.decode("utf-8", "replace"), kind


async def _fetch(url: str) -> Page:
    async with Clients() as clients:
        return await Fetcher(clients).fetch(
            url, deadline=DEFAULT_TIMEOUT, max_body=DEFAULT_MAX_BODY, redirect_hosts=ANY_HOST
        )
