"""Fetch a page politely and defensively. The only module that builds httpx clients.

Every failure leaves as FetchError with one reason from the closed set; httpx's exceptions
are translated in `_translate`, the decompressors' in codings.py, nowhere else. Bodies are
decoded to text as browsers decode them (decoding.py).
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin, urlsplit

import httpx

from tickerwatch import __version__
from tickerwatch.core.decoding import decode_body
from tickerwatch.core.errors import FetchError
from tickerwatch.core.model import Page
from tickerwatch.core.redact import redact_url
from tickerwatch.core.settings import Source
from tickerwatch.core.units import backoff, is_number, parse_retry_after
from tickerwatch.fetch.codings import CODINGS, BodyDecoder, parse_codings

USER_AGENT: Final = f"tickerwatch/{__version__} (currency ticker monitor)"
MAX_REDIRECTS: Final = 5
ACCEPT_ENCODING: Final = ", ".join(CODINGS)
_VALIDATORS: Final = frozenset({"If-None-Match", "If-Modified-Since"})
_BAD_LOCATION: Final = "Invalid URL in location header"
_PROXY_VARIABLES: Final = "named by HTTP_PROXY / HTTPS_PROXY / ALL_PROXY"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 30.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter: attempt 0 → up to 0.5 s, 1 → up to 1 s …"""
        return backoff(attempt + 1, self.backoff, self.max_backoff, random.random())


class _Retryable(Exception):
    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def make_client(proxy: str | None = None) -> httpx.AsyncClient:
    """A client with httpx's default transport. Redirects are never followed by the client:
    a GET follows them in `Fetcher` (host allow-list), and a notification's POST must not
    turn into a body-less GET. Without `proxy`, HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and
    NO_PROXY apply (httpx reads them); with it, every request goes through that proxy.
    TLS trusts certifi's roots, or SSL_CERT_FILE / SSL_CERT_DIR when set."""
    return httpx.AsyncClient(
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        proxy=proxy,
    )


class Clients:
    """The shared HTTP clients: one for direct connections (environment proxies apply) and
    one per explicit `proxy_url`, made when first asked for. Close with `aclose`."""

    def __init__(self) -> None:
        self._by_proxy: dict[str | None, httpx.AsyncClient] = {}

    def get(self, proxy: str | None = None) -> httpx.AsyncClient:
        """The client for `proxy` (None: direct, environment proxies apply). Raises
        FetchError(connect) when the proxy cannot be used: a SOCKS or other scheme httpx
        does not speak, or a malformed URL — whether from `proxy` or the environment."""
        client = self._by_proxy.get(proxy)
        if client is None:
            try:
                for url in [proxy] if proxy is not None else _environment_proxies():
                    urlsplit(url).port  # noqa: B018 - a port out of range raises ValueError
                client = make_client(proxy)
            except (ImportError, ValueError, httpx.InvalidURL) as exc:
                where = redact_url(proxy) if proxy is not None else _PROXY_VARIABLES
                raise FetchError("connect", f"cannot use the proxy {where}: {exc}") from exc
            self._by_proxy[proxy] = client
        return client

    async def aclose(self) -> None:
        clients, self._by_proxy = list(self._by_proxy.values()), {}
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> Clients:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


MAX_CONCURRENT: Final = 16


class Fetcher:
    """Fetches pages through the shared clients. At most `concurrency` fetches run at once:
    httpx's pool slows down sharply with hundreds of queued requests, so polls queue here,
    and a poll's deadline starts when it gets its turn."""

    def __init__(
        self,
        clients: Clients,
        retry: RetryPolicy | None = None,
        concurrency: int = MAX_CONCURRENT,
    ) -> None:
        self.clients = clients
        self.retry = retry or RetryPolicy()
        self._slots = asyncio.Semaphore(concurrency)

    async def fetch(
        self,
        url: str,
        *,
        deadline: float,
        max_body: int,
        etag: str | None = None,
        last_modified: str | None = None,
        redirect_hosts: frozenset[str] = frozenset(),
        proxy: str | None = None,
        encoding: str | None = None,
        redirect_allowed: Callable[[str], bool] | None = None,
    ) -> Page:
        """GET `url` within `deadline` seconds overall, retries included. Redirects may go
        to the URL's own host, to `redirect_hosts`, or anywhere when that holds "*";
        with `redirect_allowed`, instead only to a whole URL (scheme, host, port, path,
        query) it answers True for, checked at every hop.
        `proxy`: an explicit proxy URL; None leaves the environment's proxies in charge.
        `encoding`: decode the body with this codec whatever the page says (decoding.py).
        Raises FetchError with a reason from the closed set."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        hosts = redirect_hosts | {urlsplit(url).hostname or ""}
        want = _Wanted(headers, max_body, hosts, encoding, redirect_allowed)
        async with self._slots:
            ends_at = asyncio.get_running_loop().time() + deadline
            try:
                async with asyncio.timeout(deadline):
                    return await self._with_retries(self.clients.get(proxy), url, want, ends_at)
            except TimeoutError as exc:
                error = FetchError("timeout", f"no complete answer within {deadline:g}s")
                raise _through(error, url, proxy) from exc
            except FetchError as exc:
                raise _through(exc, url, proxy) from exc.__cause__

    async def fetch_source(
        self,
        source: Source,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Page:
        """GET `url` as a poll of `source` does: its `timeout`, `max_body`,
        `redirect_hosts`, `proxy_url` and `encoding` (polls, backfill and URL imports alike).
        Raises FetchError."""
        return await self.fetch(
            url, deadline=source.timeout, max_body=source.max_body, etag=etag,
            last_modified=last_modified, redirect_hosts=source.redirect_hosts,
            proxy=source.proxy_url, encoding=source.encoding,
        )  # fmt: skip

    async def _with_retries(
        self,
        client: httpx.AsyncClient,
        url: str,
        want: _Wanted,
        ends_at: float,
    ) -> Page:
        loop = asyncio.get_running_loop()
        for attempt in range(self.retry.attempts):
            try:
                left = max(0.001, ends_at - loop.time())
                return await _attempt(client, url, want, left)
            except _Retryable as failure:
                if attempt + 1 >= self.retry.attempts:
                    failure.error.retry_in = failure.retry_after or 0.0
                    raise failure.error from None
                wait = failure.retry_after
                if wait is None:
                    wait = self.retry.delay(attempt)
                if loop.time() + wait >= ends_at:
                    raise FetchError(
                        failure.error.reason,
                        f"{failure.error.message}; retry in {wait:g}s would pass the deadline",
                    ) from None
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class _Wanted:
    """What one fetch asks for: its conditional headers, body limit, the hosts redirects
    may lead to, and the encoding to decode with (None: as the page says)."""

    headers: dict[str, str]
    max_body: int
    hosts: frozenset[str]
    encoding: str | None
    allowed: Callable[[str], bool] | None = None


async def _attempt(client: httpx.AsyncClient, url: str, want: _Wanted, deadline: float) -> Page:
    timeout = httpx.Timeout(deadline, connect=min(deadline, 10.0))
    try:
        for _ in range(MAX_REDIRECTS + 1):
            request = client.build_request(
                "GET", _parsed(url), headers=want.headers, timeout=timeout
            )
            resp = await client.send(request, stream=True, follow_redirects=False)
            try:
                if not resp.has_redirect_location:
                    return await _read_page(resp, url, want)
                url = _redirect_target(url, resp.headers["location"], want)
                await _drain(resp)
            finally:
                await resp.aclose()
        raise FetchError("redirect", f"more than {MAX_REDIRECTS} redirects")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        translated = _translate(exc)
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            raise _Retryable(translated) from exc
        raise translated from exc


@functools.lru_cache(maxsize=4096)
def _parsed(url: str) -> httpx.URL:
    """A source's URL parsed once, not on every poll (httpx's parser is a third of the cost
    of building a request)."""
    return httpx.URL(url)


def _redirect_target(current: str, location: str, want: _Wanted) -> str:
    target = urljoin(current, location)
    parts = urlsplit(target)
    if parts.scheme not in {"http", "https"}:
        raise FetchError("redirect", f"redirect to a {parts.scheme or 'relative'}: URL refused")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
        _parsed(target)
    except (ValueError, httpx.InvalidURL) as exc:
        raise FetchError("redirect", f"redirect to an invalid URL refused: {exc}") from None
    if want.allowed is not None:
        if not want.allowed(target):
            raise FetchError("redirect", f"redirect to {redact_url(target)} refused: not allowed")
        return target
    hosts = want.hosts
    if "*" not in hosts and parts.hostname not in hosts:
        raise FetchError(
            "redirect", f"redirect to another host ({parts.hostname}) refused: see redirect_hosts"
        )
    return target


async def _drain(resp: httpx.Response, limit: int = 65536) -> None:
    """Read a small body to its end so the connection can be kept alive and reused."""
    size = 0
    async for chunk in resp.aiter_raw():
        size += len(chunk)
        if size > limit:
            return


async def _read_page(resp: httpx.Response, url: str, want: _Wanted) -> Page:
    status = resp.status_code
    content_type = resp.headers.get("content-type", "")
    if status == 304:
        await _drain(resp)
        if not want.headers.keys() & _VALIDATORS:
            raise FetchError(
                "http_status", "HTTP 304 Not Modified to a request that sent no validators"
            )
        return Page(
            url,
            status,
            content_type,
            None,
            etag=_validator(resp, "etag") or want.headers.get("If-None-Match"),
            last_modified=_validator(resp, "last-modified"),
        )
    if status == 429 or status >= 500:
        raise _Retryable(
            FetchError("http_status", f"HTTP {status}"),
            parse_retry_after(resp.headers.get("retry-after"), time.time()),
        )
    if not 200 <= status < 300:
        raise FetchError("http_status", f"HTTP {status}")
    decoded = decode_body(await _read_body(resp, want.max_body), content_type, want.encoding)
    return Page(
        url=url,
        status=status,
        content_type=content_type,
        body=decoded.text,
        etag=_validator(resp, "etag"),
        last_modified=_validator(resp, "last-modified"),
        encoding=decoded.encoding,
        encoding_origin=decoded.origin,
        replaced=decoded.replaced,
    )


def _validator(resp: httpx.Response, name: str) -> str | None:
    """An ETag or Last-Modified to send back, or None when it could not be: a validator is
    printable ASCII (RFC 9110), and one that is not would fail every later request."""
    value = resp.headers.get(name)
    return value if value and value.isascii() and value.isprintable() else None


async def _read_body(resp: httpx.Response, max_body: int) -> bytes:
    """The body with its Content-Encoding undone, refused as soon as it passes `max_body`
    decoded bytes."""
    codings = parse_codings(resp.headers.get_list("content-encoding", split_commas=True))
    length = resp.headers.get("content-length", "")
    if not codings and is_number(length) and int(length) > max_body:
        raise FetchError("too_large", f"Content-Length {length} exceeds max_body {max_body}")
    decoder = BodyDecoder(codings, max_body)
    async for chunk in resp.aiter_raw():
        decoder.feed(chunk)
    return decoder.finish()


def _through(error: FetchError, url: str, proxy: str | None) -> FetchError:
    """A timeout or connect failure, with the proxy in play named (redacted): behind an
    egress proxy, "connection refused" alone sends people to the wrong host."""
    if error.reason not in {"connect", "timeout"}:
        return error
    if proxy is not None:
        hint = f"through the proxy {redact_url(proxy)}"
    else:
        named = environment_proxy(url)
        if named is None:
            return error
        variable, value = named
        hint = f"{variable} is {redact_url(value)}; NO_PROXY may exempt this host"
    named_error = FetchError(error.reason, f"{error.message} ({hint})")
    named_error.retry_in = error.retry_in
    return named_error


def _environment_proxies() -> list[str]:
    names = ("http_proxy", "https_proxy", "all_proxy")
    return [v for n in names for var in (n.upper(), n) if (v := os.environ.get(var))]


def environment_proxy(url: str) -> tuple[str, str] | None:
    """The variable (HTTP_PROXY, HTTPS_PROXY or ALL_PROXY, either case) that names a proxy
    for `url`'s scheme, and its value; None when none does."""
    scheme = urlsplit(url).scheme
    for name in (f"{scheme}_proxy", "all_proxy"):
        for variable in (name.upper(), name):
            value = os.environ.get(variable)
            if value:
                return variable, value
    return None


def _translate(exc: httpx.HTTPError | httpx.InvalidURL) -> FetchError:
    """The one place httpx's exceptions become tickerwatch's."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TooManyRedirects):
        return FetchError("redirect", f"more than {MAX_REDIRECTS} redirects: {message}")
    if isinstance(exc, httpx.TimeoutException):
        return FetchError("timeout", f"{type(exc).__name__}: {message}")
    if isinstance(exc, httpx.DecodingError):
        return FetchError("decode", message)
    if isinstance(exc, httpx.RemoteProtocolError) and message.startswith(_BAD_LOCATION):
        # httpx parses a redirect's Location before handing the response back
        return FetchError("redirect", f"redirect to an invalid URL refused: {message}")
    if isinstance(exc, httpx.TransportError | httpx.InvalidURL):
        return FetchError("connect", f"{type(exc).__name__}: {message}")
    return FetchError("internal", f"{type(exc).__name__}: {message}")
