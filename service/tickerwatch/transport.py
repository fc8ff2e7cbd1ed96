"""The shared client's transport: httpx's own, with its connections on plain asyncio.

httpcore reaches the network through anyio by default: every read and write opens a
cancel scope and every pooled connection's liveness check builds anyio's attribute table.
That was a third of a 304 poll's CPU. The backend here is an asyncio Protocol with a small
buffer; everything above it (httpcore's pool and HTTP/1.1, httpx's exceptions and models)
is unchanged.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any, Final

import httpcore
import httpx

# Stop reading from the socket while this much is buffered and not yet asked for.
HIGH_WATER: Final = 256 * 1024
# A host with IPv6 and IPv4 addresses: try the next address after this long (RFC 8305),
# as anyio does, rather than waiting out a silent first address.
HAPPY_EYEBALLS: Final = 0.25


def make_transport(limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    ssl_context = httpx.create_ssl_context()  # certifi, or SSL_CERT_FILE / SSL_CERT_DIR
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits)
    transport._pool = httpcore.AsyncConnectionPool(  # the one thing swapped: the backend
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=AsyncioBackend(),
    )
    return transport


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _Buffered, host, port, local_addr=local, happy_eyeballs_delay=HAPPY_EYEBALLS
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not supported")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _Buffered(asyncio.Protocol):
    """Received bytes wait here, as the chunks they came in, until a read takes them.
    `size` counts what is not yet read."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.offset = 0  # how much of chunks[0] was already read
        self.size = 0
        self.eof = False
        self.error: Exception | None = None
        self.reading_paused = False
        self.readable: asyncio.Future[None] | None = None
        self.writable: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        if self.size > HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.transport.pause_reading()
            self.reading_paused = True
        _wake(self.readable)

    def eof_received(self) -> bool:
        self.eof = True
        _wake(self.readable)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        _wake(self.readable)
        _wake(self.writable)

    def pause_writing(self) -> None:
        self.writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        _wake(self.writable)
        self.writable = None

    def take(self, max_bytes: int) -> bytes:
        """Up to `max_bytes` from the oldest chunk; a chunk read in parts is copied once."""
        chunk, start = self.chunks[0], self.offset
        end = start + max_bytes
        if end >= len(chunk):
            self.chunks.popleft()
            self.offset = 0
            piece = chunk[start:] if start else chunk
        else:
            self.offset = end
            piece = chunk[start:end]
        self.size -= len(piece)
        if self.reading_paused and self.size <= HIGH_WATER // 4 and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()
        return piece


def _seconds(timeout: float | None) -> str:
    return "the deadline" if timeout is None else f"{timeout:g}s"


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, protocol: _Buffered) -> None:
        self._transport = transport
        self._protocol = protocol

    @property
    def buffered(self) -> int:
        """Bytes received and not yet read."""
        return self._protocol.size

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.chunks and not protocol.eof:
            protocol.readable = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await protocol.readable
            except TimeoutError as exc:
                raise httpcore.ReadTimeout(f"nothing received within {_seconds(timeout)}") from exc
            finally:
                protocol.readable = None
        if protocol.chunks:
            return protocol.take(max_bytes)
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error))
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        writable = self._protocol.writable
        if writable is not None:
            try:
                async with asyncio.timeout(timeout):
                    await asyncio.shield(writable)
            except TimeoutError as exc:
                raise httpcore.WriteTimeout(f"could not send within {_seconds(timeout)}") from exc
        if self._protocol.error is not None:
            raise httpcore.WriteError(str(self._protocol.error))

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"no TLS handshake within {_seconds(timeout)}") from exc
        except OSError as exc:  # ssl.SSLError is an OSError
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        assert transport is not None
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # an idle pooled connection the server closed or wrote to
            return bool(self._protocol.chunks) or self._protocol.eof
        names = {
            "ssl_object": "ssl_object",
            "client_addr": "sockname",
            "server_addr": "peername",
            "socket": "socket",
        }
        return self._transport.get_extra_info(names[info]) if info in names else None
