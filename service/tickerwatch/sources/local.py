"""Read a page for `tickerwatch parse`: a file, a URL, or standard input."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tickerwatch.core.decoding import decode_body
from tickerwatch.core.model import Page
from tickerwatch.fetch.client import Clients, Fetcher

DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BODY = 5 * 2**20
ANY_HOST = frozenset({"*"})


def read_source(src: str, encoding: str | None = None) -> Page:
    """SRC as a page: a URL fetched as a poll fetches it (FetchError on failure), a file or
    standard input (`-`) decoded as the service decodes pages (OSError for a file);
    `encoding` (a source's `encoding`, a codec name) decodes it whatever it says."""
    if src.startswith(("http://", "https://")):
        return asyncio.run(_fetch(src, encoding))
    if src == "-":
        data, kind = sys.stdin.buffer.read(), ""
    else:
        path = Path(src)
        data = path.read_bytes()
        kind = "text/html" if path.suffix.lower() in {".html", ".htm"} else ""
    decoded = decode_body(data, kind, encoding)
    return Page(
        src, 200, kind, decoded.text, encoding=decoded.encoding,
        encoding_origin=decoded.origin, replaced=decoded.replaced,
    )  # fmt: skip


async def _fetch(url: str, encoding: str | None) -> Page:
    async with Clients() as clients:
        return await Fetcher(clients).fetch(
            url, deadline=DEFAULT_TIMEOUT, max_body=DEFAULT_MAX_BODY, redirect_hosts=ANY_HOST,
            encoding=encoding,
        )  # fmt: skip
