"""Saved pages for `tickerwatch import`: files (HTML, text, a feed's XML or JSON), every
file under a directory, and the responses in WARC files (warcio), each decoded as a poll
decodes a body (core.decoding).

A page that cannot be read comes back with the reason (`error`), never dropped: the import
lists it as skipped.
"""

from __future__ import annotations

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
    """`target` itself, or every regular file under a directory, in name order."""
    if target.is_dir():
        yield from sorted(p for p in target.rglob("*") if p.is_file())
    else:
        yield target


def read_saved(path: Path, encoding: str | None = None) -> Iterator[Saved]:
    """The page in a file, or each response in a WARC file; `encoding` (the source's
    `encoding`, a codec name) decodes every body whatever it says, as in a poll. OSError
    when it cannot be opened or read."""
    if path.name.lower().endswith(WARC_SUFFIXES):
        yield from _warc(path, encoding)
        return
    data = path.read_bytes()
    kind = CONTENT_TYPES.get(path.suffix.lower(), "")
    page = _page(str(path), data, kind, encoding)
    yield Saved(str(path), page, path.name, path.stat().st_mtime)


def _page(origin: str, data: bytes, content_type: str, encoding: str | None) -> Page:
    decoded = decode_body(data, content_type, encoding)
    return Page(
        origin, 200, content_type, decoded.text, encoding=decoded.encoding,
        encoding_origin=decoded.origin, replaced=decoded.replaced,
    )  # fmt: skip


def _warc(path: Path, encoding: str | None) -> Iterator[Saved]:
    """Each response or resource record; the file itself with the reason when it holds
    none or cannot be read further."""
    found = 0
    with path.open("rb") as stream:
        try:
            for record in ArchiveIterator(stream, arc2warc=True):
                if record.rec_type in ("response", "resource"):
                    found += 1
                    yield _record(path, record, encoding)
        except ArchiveLoadFailed as exc:
            error = f"not a readable WARC file: {exc}".strip()
            yield Saved(str(path), None, path.name, error=error)
            return
    if not found:
        yield Saved(str(path), None, path.name, error="no responses in the WARC file")


def _record(path: Path, record: object, encoding: str | None) -> Saved:
    headers = record.rec_headers  # type: ignore[attr-defined]
    uri = str(headers.get_header("WARC-Target-URI") or "")
    origin = f"{path}#{uri}"
    name = uri.rstrip("/").rsplit("/", 1)[-1] or uri
    mtime = _warc_date(str(headers.get_header("WARC-Date") or ""))
    http = record.http_headers  # type: ignore[attr-defined]
    status = 200 if http is None else int(http.get_statuscode() or 0)
    content_type = "" if http is None else str(http.get_header("Content-Type") or "")
    if record.rec_type == "resource":  # type: ignore[attr-defined]
        content_type = str(headers.get_header("Content-Type") or "")
    if status != 200:
        return Saved(origin, None, name, mtime, f"the archived response is HTTP {status}")
    body = record.content_stream().read()  # type: ignore[attr-defined]
    return Saved(origin, _page(uri, body, content_type, encoding), name, mtime)


def _warc_date(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
