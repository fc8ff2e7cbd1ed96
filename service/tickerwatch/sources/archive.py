"""Saved pages for `tickerwatch import`: files (HTML, text, a feed's XML or JSON), every
file under a directory, and the responses in WARC files (warcio), each decoded as a poll
decodes a body (core.decoding).

A page that cannot be read comes back with the reason (`error`), never dropped: the import
lists it as skipped.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from tickerwatch.core.decoding import decode_body
from tickerwatch.core.model import Page

WARC_SUFFIXES: Final = (".warc", ".warc.gz", ".arc", ".arc.gz")
GZIP_MAGIC: Final = b"\x1f\x8b"
DEFAULT_MAX_BODY: Final = 5 * 2**20  # as `defaults.max_body`
CONTENT_TYPES: Final = {
    ".html": "text/html", ".htm": "text/html", ".xml": "text/xml", ".json": "application/json",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Saved:
    """One saved page: where it came from (`origin`: a path, `archive.warc.gz#URI`, or a
    URL), the page or why it cannot be read (`error`), its name for `--date-from filename`
    (a file's name, a WARC record's or a URL's path), and `mtime`: the file's modification
    time, a WARC record's capture time (WARC-Date), Unix seconds."""

    origin: str
    page: Page | None
    name: str
    mtime: float | None = None
    error: str = ""


def files_under(target: Path) -> Iterator[Path]:
    """`target` itself, or everything under a directory that is not a directory, in name
    order: FIFOs, sockets, links to directories (not followed) and broken or looping links
    too, so that read_saved says why it does not read them."""
    if target.is_dir():
        yield from sorted(p for p in target.rglob("*") if p.is_symlink() or not p.is_dir())
    else:
        yield target


def read_saved(
    path: Path, encoding: str | None = None, max_body: int = DEFAULT_MAX_BODY
) -> Iterator[Saved]:
    """The page in a file (gzipped or not), or each response in a WARC file; `encoding`
    (the source's `encoding`, a codec name) decodes every body whatever it says, as in a
    poll; a page (a file, a WARC record, a file unzipped) over `max_body` bytes is not read.
    A FIFO, socket or device is not opened. OSError when it cannot be opened or read."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        yield Saved(str(path), None, path.name, error=_not_regular(info.st_mode))
        return
    if path.name.lower().endswith(WARC_SUFFIXES):
        yield from _warc(path, encoding, max_body)
        return
    data = _contents(path, info.st_size, max_body)
    if isinstance(data, str):
        yield Saved(str(path), None, path.name, info.st_mtime, data)
        return
    kind = CONTENT_TYPES.get(path.suffix.lower(), "")
    if path.suffix.lower() == ".gz":
        kind = CONTENT_TYPES.get(Path(path.stem).suffix.lower(), "")
    page = _page(str(path), data, kind, encoding)
    yield Saved(str(path), page, path.name, info.st_mtime)


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a link to a directory: not followed (name the directory itself to read it)"
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"not a regular file ({kind}): not read"


def _contents(path: Path, size: int, max_body: int) -> bytes | str:
    """The file's bytes, unzipped when they are gzip; or why not (too large, damaged)."""
    if size > max_body:
        return f"too_large: {size} bytes exceed max_body {max_body}"
    data = path.read_bytes()
    if data[:2] != GZIP_MAGIC:
        return data
    unzip = zlib.decompressobj(wbits=31)
    try:
        out = unzip.decompress(data, max_body + 1)
    except zlib.error as exc:
        return f"cannot read: a damaged gzip file ({exc})"
    if len(out) > max_body:
        return f"too_large: more than max_body {max_body} bytes unzipped"
    if not unzip.eof:
        return "cannot read: a gzip file cut short"
    return out


def _page(origin: str, data: bytes, content_type: str, encoding: str | None) -> Page:
    decoded = decode_body(data, content_type, encoding)
    return Page(
        origin, 200, content_type, decoded.text, encoding=decoded.encoding,
        encoding_origin=decoded.origin, replaced=decoded.replaced,
    )  # fmt: skip


def _warc(path: Path, encoding: str | None, max_body: int) -> Iterator[Saved]:
    """Each response or resource record (and each revisit or cut record, with the reason);
    the file itself with the reason when it is no WARC file, holds no responses, or is
    truncated (the records after the cut are lost). What warcio prints is listed, not
    printed."""
    problem = _sniff(path)
    if problem is not None:
        yield Saved(str(path), None, path.name, error=f"not a readable WARC file: {problem}")
        return
    found, noise = 0, io.StringIO()
    with path.open("rb") as stream:
        records = iter(ArchiveIterator(stream, arc2warc=True))
        while True:
            try:
                with _quiet(noise):
                    record = next(records, None)
                    saved = None if record is None else _record(path, record, encoding, max_body)
            except ArchiveLoadFailed as exc:
                error = f"not a readable WARC file: {exc}".strip()
                yield Saved(str(path), None, path.name, error=error)
                return
            if record is None:
                break
            if saved is not None:
                found += 1
                yield saved
    cut = _gzip_cut(path)
    if cut is not None:
        error = f"truncated ({cut}): the records after the cut cannot be read"
        yield Saved(str(path), None, path.name, error=error)
    elif not found:
        yield Saved(str(path), None, path.name, error="no responses in the WARC file")
    if noise.getvalue().strip():
        said = "; ".join(line.strip() for line in noise.getvalue().splitlines() if line.strip())
        yield Saved(str(path), None, path.name, error=f"warcio: {said}")


def _sniff(path: Path) -> str | None:
    """Why `path` is no WARC (or ARC) file by its first bytes, or None. OSError escapes."""
    with path.open("rb") as raw:
        head = raw.read(2)
        raw.seek(0)
        try:
            start = gzip.GzipFile(fileobj=raw).read(16) if head == GZIP_MAGIC else raw.read(16)
        except (OSError, EOFError, zlib.error) as exc:
            return f"a damaged gzip file ({exc})"
    arc = path.name.lower().endswith((".arc", ".arc.gz"))
    magic = b"filedesc://" if arc else b"WARC/"
    if not start.startswith(magic):
        return "empty" if not start else f"it does not start with {magic.decode()}"
    return None


def _gzip_cut(path: Path) -> str | None:
    """For a gzipped file, why it cannot be read to its end (a cut), else None."""
    with path.open("rb") as raw:
        if raw.read(2) != GZIP_MAGIC:
            return None
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw) as unzipped:
                while unzipped.read(2**20):
                    pass
        except (OSError, EOFError, zlib.error) as exc:
            return str(exc)
    return None


@contextlib.contextmanager
def _quiet(noise: io.StringIO) -> Iterator[None]:
    """warcio's warnings (written to stderr, or logged) into `noise`."""
    logger = logging.getLogger("warcio")
    handler = logging.StreamHandler(noise)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        with contextlib.redirect_stderr(noise):
            yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _record(path: Path, record: object, encoding: str | None, max_body: int) -> Saved | None:
    """A page record as a page, a revisit or cut one with the reason, others None."""
    kind = record.rec_type  # type: ignore[attr-defined]
    headers = record.rec_headers  # type: ignore[attr-defined]
    uri = str(headers.get_header("WARC-Target-URI") or "")
    origin = f"{path}#{uri}"
    name = uri.rstrip("/").rsplit("/", 1)[-1] or uri
    mtime = _warc_date(str(headers.get_header("WARC-Date") or ""))
    if kind == "revisit":
        error = "a revisit record: the page is an earlier capture's, not stored here again"
        return Saved(origin, None, name, mtime, error)
    if kind not in ("response", "resource"):
        return None
    http = record.http_headers  # type: ignore[attr-defined]
    status = 200 if http is None else int(http.get_statuscode() or 0)
    content_type = "" if http is None else str(http.get_header("Content-Type") or "")
    if kind == "resource":
        content_type = str(headers.get_header("Content-Type") or "")
    if status != 200:
        return Saved(origin, None, name, mtime, f"the archived response is HTTP {status}")
    body = _read_up_to(record.content_stream(), max_body + 1)  # type: ignore[attr-defined]
    if len(body) > max_body:
        return Saved(origin, None, name, mtime, f"too_large: the page exceeds max_body {max_body}")
    missing = getattr(record.raw_stream, "limit", 0)  # type: ignore[attr-defined]
    if missing:
        return Saved(origin, None, name, mtime, f"truncated: the record ends {missing} bytes early")
    return Saved(origin, _page(uri, body, content_type, encoding), name, mtime)


def _read_up_to(stream: object, limit: int) -> bytes:
    """At most `limit` bytes of a warcio stream (its reads may come short)."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        part = stream.read(min(2**16, limit - size))  # type: ignore[attr-defined]
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def _warc_date(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
