"""POST one notification and say how it went: the one place notify/ meets httpx.

No redirect is ever followed: a 3xx is a failed attempt (`redirect`), so a POST never
turns into a body-less GET and a payload never goes to a host nobody configured.

The client is asked for at each attempt (`ClientSource`, e.g. `fetch.Clients.get` for the
receiver's proxy): a proxy httpx cannot use, or a URL it refuses, is then a failed attempt
(`connect`) with the reason, and `cannot_post` says so before anything is queued."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Final, TypeAlias

import httpx

from tickerwatch.core.errors import FetchError
from tickerwatch.core.units import parse_retry_after
from tickerwatch.notify.base import FailureReason, Outcome

RETRIED_4XX: Final = frozenset({408, 429})
DRAIN_LIMIT: Final = 65536  # bytes of a receiver's answer read (then the connection closes)
ClientSource: TypeAlias = Callable[[], httpx.AsyncClient]  # raises FetchError(connect)


async def post(
    client: ClientSource, url: str, body: bytes, headers: dict[str, str], within: float
) -> Outcome:
    """POST `body` (JSON) to `url`; the whole exchange must end within `within` seconds.
    Never raises for what a receiver, the network or the proxy settings do: returns an
    Outcome (`connect` when no request could even be made)."""
    built = _build(client, url, body, headers, within)
    if isinstance(built, str):
        return Outcome("connect", built)
    made, request = built
    try:
        async with asyncio.timeout(within):
            response = await made.send(request, stream=True, follow_redirects=False)
            try:
                await _drain(response)
            finally:
                await response.aclose()
    except TimeoutError:
        return Outcome("timeout", f"no answer within {within:g}s")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Outcome(_reason(exc), type(exc).__name__)  # str(exc) may quote the URL
    return outcome_of(response.status_code, response.headers.get("retry-after"))


def cannot_post(client: ClientSource, url: str) -> str | None:
    """Why no POST to `url` can be made at all (the proxy, the URL), or None. Safe to log."""
    built = _build(client, url, b"", {}, 1.0)
    return built if isinstance(built, str) else None


def _build(
    client: ClientSource, url: str, body: bytes, headers: dict[str, str], within: float
) -> tuple[httpx.AsyncClient, httpx.Request] | str:
    """The client and the request, or why they cannot be made (never quoting the URL)."""
    try:
        made = client()
    except FetchError as exc:  # a proxy httpx cannot use: the message names where it is set
        return exc.message
    try:
        request = made.build_request(
            "POST",
            url,
            content=body,
            headers={"Content-Type": "application/json", **headers},
            timeout=within,
        )
    except (httpx.InvalidURL, httpx.HTTPError, ValueError) as exc:  # its message quotes it
        return f"cannot build a request to the URL ({type(exc).__name__})"
    return made, request


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


def _reason(exc: httpx.HTTPError | httpx.InvalidURL) -> FailureReason:
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
