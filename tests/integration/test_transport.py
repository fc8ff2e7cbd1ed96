"""The asyncio network backend under the shared client, against real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpcore
import pytest

from support.httpserver import PageServer, self_signed_cert, send
from support.pages import DEC_08, plain_ticker
from tickerwatch.fetch import Fetcher, make_client
from tickerwatch.model import Page
from tickerwatch.transport import HIGH_WATER, AsyncioBackend, AsyncioStream

TICKER = plain_ticker(DEC_08).encode()


def fetch_all(*urls: str) -> list[Page]:
    async def go() -> list[Page]:
        async with make_client() as client:
            fetcher = Fetcher(client)
            pages = []
            for url in urls:
                pages.append(await fetcher.fetch(url, deadline=5, max_body=2**20))
                await asyncio.sleep(0.05)  # a FIN sent after the answer arrives meanwhile
            return pages

    return asyncio.run(go())


def answering_from(ports: list[int], close_after: bool = False) -> object:
    def handler(req: BaseHTTPRequestHandler) -> None:
        ports.append(req.client_address[1])
        send(req, 200, TICKER, {"Content-Type": "text/plain"})
        req.close_connection = close_after  # closed without a "Connection: close" header

    return handler


def test_polls_reuse_one_connection() -> None:
    ports: list[int] = []
    with PageServer() as server:
        url = server.route("/", answering_from(ports))  # type: ignore[arg-type]
        pages = fetch_all(url, url, url, url)
    assert [p.body for p in pages] == [TICKER.decode()] * 4
    assert len(set(ports)) == 1


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    ports: list[int] = []
    with PageServer() as server:
        url = server.route("/", answering_from(ports, close_after=True))  # type: ignore[arg-type]
        pages = fetch_all(url, url, url)
    assert [p.body for p in pages] == [TICKER.decode()] * 3
    assert len(set(ports)) == 3


def test_a_page_over_trusted_tls_is_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert = self_signed_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))  # how a private CA is trusted
    with PageServer(tls=cert) as server:
        url = server.page("/", TICKER, "text/plain")
        (page,) = fetch_all(url)
    assert url.startswith("https://") and page.body == TICKER.decode()


Listener = tuple[socket.socket, list[socket.socket], threading.Event]


@pytest.fixture
def raw_listener() -> Iterator[Listener]:
    """A listening socket whose accepted connections are kept open and never read."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    first = threading.Event()

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return
            first.set()

    threading.Thread(target=accept, daemon=True).start()
    yield listener, accepted, first
    listener.close()
    for conn in accepted:
        conn.close()


async def connect(listener: socket.socket) -> AsyncioStream:
    stream = await AsyncioBackend().connect_tcp("127.0.0.1", listener.getsockname()[1], timeout=5)
    assert isinstance(stream, AsyncioStream)
    return stream


def test_a_fast_sender_is_held_back_at_the_high_water_mark(
    raw_listener: Listener,
) -> None:
    listener, accepted, first = raw_listener
    payload = bytes(range(251)) * (16 * 2**20 // 251)  # a period that no read size divides
    total = len(payload)

    async def go() -> tuple[bytes, int]:
        stream = await connect(listener)
        assert await asyncio.to_thread(first.wait, 5)
        sender = threading.Thread(target=accepted[0].sendall, args=(payload,))
        sender.start()
        received: list[bytes] = []
        size, peak = 0, 0
        while size < total:
            await asyncio.sleep(0.002)  # a slow reader: the sender could outrun it
            peak = max(peak, stream.buffered)
            received.append(await stream.read(65536, timeout=5))
            size += len(received[-1])
        sender.join()
        await stream.aclose()
        return b"".join(received), peak

    received, peak = asyncio.run(go())
    assert received == payload  # every byte once, in order, however the reads cut it
    # At most the high-water mark plus what one more receive brought in (≤ 256 KiB).
    assert HIGH_WATER <= peak <= HIGH_WATER + 256 * 1024


def test_a_peer_that_never_reads_makes_a_write_time_out(
    raw_listener: Listener,
) -> None:
    listener, _, _ = raw_listener

    async def go() -> float:
        stream = await connect(listener)
        started = time.monotonic()
        with pytest.raises(httpcore.WriteTimeout):
            for _ in range(64):  # far more than the socket buffers on both sides hold
                await stream.write(b"y" * 2**20, timeout=0.5)
        await stream.aclose()
        return time.monotonic() - started

    assert asyncio.run(go()) < 3.0


def test_a_silent_peer_makes_a_read_time_out(
    raw_listener: Listener,
) -> None:
    listener, _, _ = raw_listener

    async def go() -> None:
        stream = await connect(listener)
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(100, timeout=0.2)
        await stream.aclose()

    asyncio.run(go())


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]  # closed when the block ends: nothing listens there

    async def go() -> None:
        with pytest.raises(httpcore.ConnectError):
            await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)

    asyncio.run(go())
