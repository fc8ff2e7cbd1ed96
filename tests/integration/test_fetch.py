"""Every fetch failure reason, each against a real misbehaving server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from support.httpserver import (
    PageServer,
    free_port,
    headers_then_silence,
    reset_mid_body,
    self_signed_cert,
    send,
    trickle,
    with_etag,
)
from support.pages import DEC_08, plain_ticker
from tickerwatch.core.errors import FetchError
from tickerwatch.core.model import Page
from tickerwatch.fetch.client import USER_AGENT, Clients, Fetcher, RetryPolicy

TICKER = plain_ticker(DEC_08).encode()
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.05)


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        yield srv


def fetch(
    url: str,
    *,
    deadline: float = 5.0,
    max_body: int = 2**20,
    retry: RetryPolicy = FAST_RETRY,
    **kw: Any,
) -> Page:
    async def go() -> Page:
        async with Clients() as clients:
            return await Fetcher(clients, retry).fetch(
                url, deadline=deadline, max_body=max_body, **kw
            )

    return asyncio.run(go())


def failure(url: str, **kw: object) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, **kw)  # type: ignore[arg-type]
    return caught.value


def test_a_good_page_with_identity_and_user_agent(server: PageServer) -> None:
    url = server.page("/", TICKER, "text/plain; charset=utf-8")
    page = fetch(url)
    assert page.status == 200 and page.body == TICKER.decode()
    assert server.requests[-1][1]["User-Agent"] == USER_AGENT


def test_gzip_pages_are_decoded(server: PageServer) -> None:
    url = server.route(
        "/gz",
        lambda r: send(
            r,
            200,
            gzip.compress(TICKER),
            {"Content-Encoding": "gzip", "Content-Type": "text/plain"},
        ),
    )
    assert fetch(url).body == TICKER.decode()


def test_conditional_get_304_reparses_nothing(server: PageServer) -> None:
    modified = {"Last-Modified": "Mon, 08 Dec 2025 10:00:00 GMT"}
    url = server.route("/c", with_etag(TICKER, '"v1"', modified))
    first = fetch(url)
    assert first.etag == '"v1"' and first.last_modified
    again = fetch(url, etag=first.etag or "", last_modified=first.last_modified or "")
    assert again.body is None and again.status == 304
    assert server.requests[-1][1]["If-Modified-Since"] == "Mon, 08 Dec 2025 10:00:00 GMT"


def test_slow_trickle_hits_the_overall_deadline(server: PageServer) -> None:
    url = server.route("/slow", lambda r: trickle(r, TICKER, every=0.1))
    started = time.monotonic()
    error = failure(url, deadline=1.0)
    assert error.reason == "timeout"
    assert time.monotonic() - started < 3.0


def test_500_is_retried_then_fails_with_http_status(server: PageServer) -> None:
    url = server.route("/500", lambda r: send(r, 500, b"oops"))
    assert failure(url).reason == "http_status"
    assert server.hits("/500") == 3


def test_404_is_not_retried(server: PageServer) -> None:
    url = server.url("/missing")
    assert failure(url).reason == "http_status"
    assert server.hits("/missing") == 1


def test_429_retry_after_is_honoured_then_the_page_arrives(server: PageServer) -> None:
    calls: list[float] = []

    def handler(req: BaseHTTPRequestHandler) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            send(req, 429, b"slow down", {"Retry-After": "1"})
        else:
            send(req, 200, TICKER)

    url = server.route("/429", handler)
    assert fetch(url, retry=RetryPolicy(attempts=3, backoff=0.01)).status == 200
    assert calls[1] - calls[0] >= 0.95


def test_a_retry_after_that_is_no_number_means_the_usual_backoff(server: PageServer) -> None:
    calls: list[int] = []

    def handler(req: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        if len(calls) == 1:  # "¹" goes out as the Latin-1 byte 0xB9; str.isdigit() says yes
            send(req, 503, b"", {"Retry-After": "\u00b9"})
        else:
            send(req, 200, TICKER)

    url = server.route("/503", handler)
    assert fetch(url).status == 200 and len(calls) == 2


def test_retry_after_beyond_the_deadline_fails_at_once(server: PageServer) -> None:
    url = server.route("/429", lambda r: send(r, 429, b"", {"Retry-After": "120"}))
    started = time.monotonic()
    error = failure(url, deadline=5.0)
    assert error.reason == "http_status" and "pass the deadline" in error.message
    assert time.monotonic() - started < 2.0
    assert server.hits("/429") == 1


def test_redirect_loop(server: PageServer) -> None:
    url = server.route("/loop", lambda r: send(r, 302, b"", {"Location": "/loop"}))
    assert failure(url).reason == "redirect"
    assert server.hits("/loop") == 6


def test_a_few_redirects_are_followed(server: PageServer) -> None:
    server.route("/a", lambda r: send(r, 301, b"", {"Location": "/b"}))
    server.route("/b", lambda r: send(r, 302, b"", {"Location": "/page"}))
    server.page("/page", TICKER, "text/plain")
    assert fetch(server.url("/a")).url.endswith("/page")


def test_a_redirect_to_another_host_needs_permission(server: PageServer) -> None:
    with PageServer() as other:
        other.page("/page", TICKER, "text/plain")
        elsewhere = other.url("/page").replace("127.0.0.1", "localhost")
        url = server.route("/away", lambda r: send(r, 302, b"", {"Location": elsewhere}))
        error = failure(url)
        assert error.reason == "redirect" and "localhost" in error.message
        assert other.hits("/page") == 0
        page = fetch(url, redirect_hosts=frozenset({"localhost"}))
        assert page.body == TICKER.decode()


def test_a_redirect_to_another_scheme_is_refused(server: PageServer) -> None:
    url = server.route("/ftp", lambda r: send(r, 301, b"", {"Location": "ftp://127.0.0.1/x"}))
    assert failure(url).reason == "redirect"


def test_self_signed_tls_is_a_connect_error(tmp_path: Path) -> None:
    with PageServer(tls=self_signed_cert(tmp_path)) as tls_server:
        url = tls_server.page("/", TICKER, "text/plain")
        assert url.startswith("https://")
        error = failure(url)
        assert error.reason == "connect" and "SSL" in error.message.upper()


def test_an_unresolvable_host_is_a_connect_error() -> None:
    assert failure("http://tickerwatch-test.invalid/").reason == "connect"


def test_headers_then_silence_hits_the_deadline(server: PageServer) -> None:
    url = server.route("/stall", lambda r: headers_then_silence(r, 5))
    assert failure(url, deadline=1.0).reason == "timeout"


def test_a_40_mb_body_stops_at_the_cap(server: PageServer) -> None:
    url = server.page("/40mb", b"z" * (40 * 2**20), "text/plain")
    assert failure(url, max_body=5 * 2**20).reason == "too_large"


def test_oversized_body(server: PageServer) -> None:
    url = server.page("/big", b"x" * 300_000, "text/plain")
    assert failure(url, max_body=100_000).reason == "too_large"


def test_oversized_body_without_content_length_stops_at_the_cap(server: PageServer) -> None:
    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Connection", "close")
        req.end_headers()
        for _ in range(1000):
            req.wfile.write(b"y" * 65536)

    url = server.route("/stream", handler)
    assert failure(url, max_body=1_000_000).reason == "too_large"


def test_gzip_bomb_stops_at_the_cap(server: PageServer) -> None:
    bomb = gzip.compress(b"\0" * (200 * 2**20), compresslevel=9)  # 200 MiB in ~200 KiB
    url = server.route("/bomb", lambda r: send(r, 200, bomb, {"Content-Encoding": "gzip"}))
    assert failure(url, max_body=5 * 2**20).reason == "too_large"


def test_reset_mid_body(server: PageServer) -> None:
    url = server.route("/reset", lambda r: reset_mid_body(r, TICKER[:100]))
    assert failure(url).reason == "connect"


def test_invalid_bytes_in_a_utf8_page_are_replaced_and_counted(server: PageServer) -> None:
    url = server.page("/bytes", b"broken \xff\xfa! " + TICKER, "text/plain; charset=utf-8")
    page = fetch(url)
    assert page.body == "broken \ufffd\ufffd! " + TICKER.decode()
    assert (page.encoding, page.encoding_origin, page.replaced) == ("utf-8", "http", 2)


def test_corrupt_gzip_is_a_decode_error(server: PageServer) -> None:
    url = server.route(
        "/badgz", lambda r: send(r, 200, b"not gzip at all", {"Content-Encoding": "gzip"})
    )
    assert failure(url).reason == "decode"


def test_declared_charset_is_used(server: PageServer) -> None:
    body = "<meta charset=windows-1251><p>Курс</p>".encode("cp1251")
    url = server.page("/1251", body, "text/html")
    assert "Курс" in (fetch(url).body or "")


def test_connection_refused_is_retried_and_is_a_connect_error() -> None:
    started = time.monotonic()
    assert failure(f"http://127.0.0.1:{free_port()}/").reason == "connect"
    assert time.monotonic() - started < 3.0


@respx.mock
def test_a_connect_timeout_is_a_timeout() -> None:
    # A real server cannot refuse to finish a TCP handshake on loopback: mock the transport.
    respx.get("http://rates.example/").mock(side_effect=httpx.ConnectTimeout("handshake"))
    assert failure("http://rates.example/").reason == "timeout"


def test_concurrent_fetches_are_bounded_and_deadlines_start_at_their_turn(
    server: PageServer,
) -> None:
    active, peak = 0, 0
    lock = threading.Lock()

    def slow(req: BaseHTTPRequestHandler) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.2)
        with lock:
            active -= 1
        send(req, 200, TICKER, {"Content-Type": "text/plain"})

    url = server.route("/slow-ok", slow)

    async def many() -> list[Page]:
        async with Clients() as clients:
            fetcher = Fetcher(clients, FAST_RETRY, concurrency=2)
            # 8 fetches × 0.2 s two at a time take 0.8 s: longer than each 0.5 s deadline,
            # which only runs once a fetch has its turn.
            return await asyncio.gather(
                *(fetcher.fetch(url, deadline=0.5, max_body=2**20) for _ in range(8))
            )

    pages = asyncio.run(many())
    assert len(pages) == 8 and all(p.status == 200 for p in pages)
    assert peak == 2


def raw_answer(data: bytes) -> Any:
    """A handler that writes `data` as the whole answer, status line included."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.wfile.write(data)
        req.wfile.flush()
        req.close_connection = True

    return handler


ODDITIES = {
    # name: (handler, reason, words in the message)
    "304-unasked": (lambda r: send(r, 304, b""), "http_status", "sent no validators"),
    "300-no-location": (lambda r: send(r, 300, b"pick one"), "http_status", "HTTP 300"),
    "redirect-bad-port": (
        lambda r: send(r, 301, b"", {"Location": "http://127.0.0.1:99999/"}),
        "redirect",
        "invalid URL",
    ),
    "redirect-bad-url": (
        lambda r: send(r, 302, b"", {"Location": "http://[::1/"}),
        "redirect",
        "invalid URL",
    ),
    "garbage-status": (raw_answer(b"HELLO THERE\r\n\r\n"), "connect", "RemoteProtocolError"),
    "short-body": (
        raw_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nonly this"),
        "connect",
        "RemoteProtocolError",
    ),
    "unknown-coding": (
        lambda r: send(r, 200, b"x", {"Content-Encoding": "compress"}),
        "decode",
        "unsupported Content-Encoding",
    ),
}


@pytest.mark.parametrize("name", sorted(ODDITIES))
def test_protocol_oddities_fail_with_a_reason_never_internal(server: PageServer, name: str) -> None:
    """With the tests above, every way out of the fetch path: each ends in a reason from the
    closed set, and `internal` is left for real bugs."""
    handler, reason, words = ODDITIES[name]
    error = failure(server.route(f"/odd-{name}", handler))
    assert (error.reason, words in error.message) == (reason, True), error.message


@pytest.mark.parametrize(
    ("header", "value"),
    [("ETag", b'"caf\xc3\xa9-1"'), ("Last-Modified", "Mon, 01\u200b Dec 2025".encode())],
)
def test_a_validator_that_cannot_be_sent_back_is_not_kept(
    server: PageServer, header: str, value: bytes
) -> None:
    def with_raw_header(req: BaseHTTPRequestHandler) -> None:
        send(req, 200, TICKER, {header: value.decode("latin-1")})  # the bytes as they are

    url = server.route("/odd-validator", with_raw_header)
    page = fetch(url)
    assert (page.etag, page.last_modified) == (None, None)
    fetch(url, etag=page.etag, last_modified=page.last_modified)  # the next poll goes out
    assert server.hits("/odd-validator") == 2
