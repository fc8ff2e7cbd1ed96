"""Read a page for `tickerwatch parse`: a file, a URL, or standard input."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tickerwatch.decoding import decode_body
from tickerwatch.fetch import Clients, Fetcher
from tickerwatch.model import Page

DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BODY = 5 * 2**20
ANY_HOST = frozenset({"*"})


def read_source(src: str) -> tuple[str, str]:
    """(body, content type) of SRC; raises FetchError for URLs and OSError for files. Files
    and standard input are decoded as the service decodes pages (decoding.py)."""
    if src.startswith(("http://", "https://")):
        page = asyncio.run(_fetch(src))
        return page.body or "", page.content_type
    if src == "-":
        return decode_body(sys.stdin.buffer.read(), "").text, ""
    path = Path(src)
    kind = "text/html" if path.suffix.lower() in {".html", ".htm"} else ""
    return decode_body(path.read_bytes(), kind).text, kind


async def _fetch(url: str) -> Page:
    async with Clients() as clients:
        return await Fetcher(clients).fetch(
            url, deadline=DEFAULT_TIMEOUT, max_body=DEFAULT_MAX_BODY, redirect_hosts=ANY_HOST
        )
