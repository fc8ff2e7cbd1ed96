"""Content-Encoding, decoded in bounded pieces: gzip, deflate (zlib-wrapped or raw, as curl
and httpx read it), br (Brotli) and zstd; `identity`, `none` and an empty value mean none.

httpx decodes each network chunk whole, and a 64 KiB chunk of Brotli or zstd can hold
gigabytes (256 MiB of zeros is 421 bytes of Brotli). Here every decoder hands on at most
PIECE bytes at a time and the body is refused as soon as it passes its limit, so a bomb
costs no more memory than the limit. Pure: no IO.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Final, Protocol, cast

import brotli
import zstandard

from tickerwatch.core.errors import FetchError

if TYPE_CHECKING:
    from typing_extensions import Buffer

PIECE: Final = 64 * 1024
NO_CODING: Final = frozenset({"", "identity", "none"})
CODINGS: Final = ("gzip", "deflate", "br", "zstd")
_ALIASES: Final = {"x-gzip": "gzip"}

Emit = Callable[[bytes], None]


class _Stage(Protocol):
    def feed(self, data: bytes) -> None: ...
    def finish(self) -> None: ...


def parse_codings(values: list[str]) -> list[str]:
    """The codings of Content-Encoding header values, in the order they were applied;
    raises FetchError(decode) for one tickerwatch cannot read."""
    codings = []
    for value in values:
        name = value.strip().lower()
        name = _ALIASES.get(name, name)
        if name in NO_CODING:
            continue
        if name not in CODINGS:
            raise FetchError(
                "decode",
                f"unsupported Content-Encoding {value.strip()!r}"
                f" (tickerwatch reads {', '.join(CODINGS)})",
            )
        codings.append(name)
    return codings


class BodyDecoder:
    """Feed raw body chunks, then `finish()` for the decoded body. Raises FetchError:
    `too_large` once more than `limit` decoded bytes came out, `decode` for a corrupt or
    truncated compressed body."""

    def __init__(self, codings: list[str], limit: int) -> None:
        self._limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        emit: Emit = self._keep
        stages: list[_Stage] = []
        for name in codings:  # applied first → decoded last
            stage = _STAGES[name](emit)
            stages.append(stage)
            emit = stage.feed
        self._stages = stages[::-1]
        self._feed = emit

    def feed(self, data: bytes) -> None:
        self._feed(data)

    def finish(self) -> bytes:
        for stage in self._stages:
            stage.finish()
        return b"".join(self._parts)

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise FetchError("too_large", f"the body exceeds max_body ({self._limit} bytes)")
        self._parts.append(data)


class _Zlib:
    """gzip (every member of a multi-member body), or deflate with a zlib header — or without
    one (raw deflate), as curl and httpx accept, decided on the first two bytes."""

    def __init__(self, emit: Emit, wbits: int, name: str) -> None:
        self._emit = emit
        self._name = name
        self._wbits = wbits
        self._z = zlib.decompressobj(wbits)
        self._head = b"" if name == "deflate" else None  # deflate: bytes before deciding

    def feed(self, data: bytes) -> None:
        if self._head is not None:
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, None
            if not _zlib_header(data[:2]):
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            while data:
                self._emit(self._z.decompress(data, PIECE))
                data = self._z.unconsumed_tail
                if self._z.eof and self._name == "gzip" and self._z.unused_data[:2] == _GZIP:
                    data, self._z = self._z.unused_data, zlib.decompressobj(self._wbits)
        except zlib.error as exc:
            raise _corrupt(self._name, exc) from exc

    def finish(self) -> None:
        if self._head is not None:  # a body of one byte or none
            head, self._head = self._head, None
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            self.feed(head)
        try:
            self._emit(self._z.flush())
        except zlib.error as exc:
            raise _corrupt(self._name, exc) from exc
        if not self._z.eof:
            raise FetchError("decode", f"the {self._name} body ends before its end")


_GZIP: Final = b"\x1f\x8b"
_ZSTD_HEADER: Final = 18  # the most bytes a zstd frame header takes


def _zlib_header(head: bytes) -> bool:
    """RFC 1950: compression method 8 and a header checksum divisible by 31."""
    return head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


class _Brotli:
    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> None:
        try:
            self._emit(self._d.process(data, output_buffer_limit=PIECE))
            while not self._d.can_accept_more_data():
                self._emit(self._d.process(b"", output_buffer_limit=PIECE))
        except brotli.error as exc:
            raise _corrupt("br", exc) from exc

    def finish(self) -> None:
        if not self._d.is_finished():
            raise FetchError("decode", "the br body ends before its end")


class _Zstd:
    """zstd through zstandard's stream writer, which decodes as it is written to and hands
    the output on in pieces of at most PIECE bytes. A frame whose header gives its size
    and that ends short is refused as truncated."""

    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self._head = b""
        self._size = 0
        sink = cast("IO[bytes]", _Writer(self._count))
        self._writer = zstandard.ZstdDecompressor().stream_writer(
            sink, write_size=PIECE, closefd=False
        )

    def _count(self, piece: bytes) -> None:
        self._size += len(piece)
        self._emit(piece)

    def feed(self, data: bytes) -> None:
        if len(self._head) < _ZSTD_HEADER:
            self._head += data[:_ZSTD_HEADER]
        try:
            self._writer.write(data)
        except zstandard.ZstdError as exc:
            raise _corrupt("zstd", exc) from exc

    def finish(self) -> None:
        try:
            declared = zstandard.get_frame_parameters(self._head).content_size
        except zstandard.ZstdError as exc:
            raise _corrupt("zstd", exc) from exc
        if declared != zstandard.CONTENTSIZE_UNKNOWN and self._size < declared:
            raise FetchError("decode", "the zstd body ends before its end")


class _Writer(io.RawIOBase):
    """The file zstandard writes decoded pieces to: each goes straight to `emit`."""

    def __init__(self, emit: Emit) -> None:
        super().__init__()
        self._emit = emit

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer) -> int:
        piece = bytes(data)
        self._emit(piece)
        return len(piece)


def _corrupt(name: str, exc: Exception) -> FetchError:
    return FetchError("decode", f"the {name} body is corrupt: {exc}")


_STAGES: Final[dict[str, Callable[[Emit], _Stage]]] = {
    "gzip": lambda emit: _Zlib(emit, 16 + zlib.MAX_WBITS, "gzip"),
    "deflate": lambda emit: _Zlib(emit, zlib.MAX_WBITS, "deflate"),
    "br": _Brotli,
    "zstd": _Zstd,
}
