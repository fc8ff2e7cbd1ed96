"""POST one notification and say how it went: the one place notify/ meets httpx.

No redirect is ever followed: a 3xx is a failed attempt (`redirect`), so a POST never
turns into a body-less GET and a payload never goes to a host nobody configured."""

from __future__ import annotations

import asyncio
import time
from typing import Final

import httpx

from tickerwatch.notify.base import FailureReason, Outcome
from tickerwatch.units import parse_retry_after

RETRIED_4XX: Final = frozenset({408, 429})
DRAIN_LIMIT: Final = 65536  # bytes of a receiver's answer read (then the connection closes)


async def post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], within: float
) -> Outcome:
    """POST `body` (JSON) to `url`; the whole exchange must end within `within` seconds.
    Never raises for what a receiver or the network does: returns an Outcome."""
    request = client.build_request(
        "POST",
        url,
        content=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=within,
    )
    try:
        async with asyncio.timeout(within):
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                await _drain(response)
            finally:
                await response.aclose()
    except TimeoutError:
        return Outcome("timeout", f"no answer within {within:g}s")
    except httpx.HTTPError as exc:
        return Outcome(_reason(exc), type(exc).__name__)  # str(exc) may quote the URL
    return outcome_of(response.status_code, response.headers.get("retry-after"))


def outcome_of(status: int, retry_after: str | None = None) -> Outcome:
    """2xx delivered; 3xx `redirect`; 4xx other than 408/429 `rejected` (permanent);
    anything else `http_status` (retried, honouring Retry-After)."""
    detail = f"HTTP {status}"
    if 200 <= status < 300:
        return Outcome(None, detail, status)
    if 300 <= status < 400:
        return Outcome("redirect", detail, status)
    if 400 <= status < 500 and status not in RETRIED_4XX:
        return Outcome("rejected", detail, status)
    return Outcome("http_status", detail, status, parse_retry_after(retry_after, time.time()))


def _reason(exc: httpx.HTTPError) -> FailureReason:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirect"
    return "connect"  # refused, reset, TLS, proxy and protocol errors


async def _drain(response: httpx.Response) -> None:
    """Read a little of the answer (so a small one keeps the connection reusable)."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read >= DRAIN_LIMIT:
            break
