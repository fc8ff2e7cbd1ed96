"""What `tickerwatch import` does with files that are not plain saved pages: gzipped pages
are read (and limited unzipped), a page over the source's max_body is not read, FIFOs and
links to directories are listed (never opened, never followed), a looping link says so;
pages older than storage.retention bring a warning. Real files, a real SQLite history."""

from __future__ import annotations

import gzip
import io
import os
from dataclasses import replace
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from support import pages
from support.feeds import source
from support.pages import DEC_08
from tickerwatch.importer import retention_warning, run_import
from tickerwatch.store.sqlite import HistoryDB

TIMESCA = source("timesca")
NOW = 1765152000.0 + 86400  # 2025-12-09 00:00 UTC


def test_odd_files_are_read_or_listed(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    (saved / "sub").mkdir(parents=True)
    text = pages.plain_ticker(DEC_08).encode()
    (saved / "page.html.gz").write_bytes(gzip.compress(text))
    (saved / "cut.html.gz").write_bytes(gzip.compress(text)[:-30])
    (saved / "bomb.txt.gz").write_bytes(gzip.compress(b" " * 10_000 + text))
    (saved / "big.txt").write_bytes(text + b" " * 10_000)
    os.mkfifo(saved / "pipe.txt")
    (saved / "linked").symlink_to(saved / "sub")
    (saved / "self").symlink_to(saved / "self")
    with (saved / "big.warc.gz").open("wb") as out:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warc_record(
            "https://timesca.com/", "response", payload=io.BytesIO(text + b" " * 10_000),
            http_headers=http,
        ))  # fmt: skip
    db = HistoryDB(tmp_path / "h.db")
    limited = replace(TIMESCA, max_body=len(text) + 100)
    summary = run_import(db, limited, [str(saved), str(saved / "pipe.txt")], "page", now=NOW)
    assert dict(summary.dated) == {"page": 1}  # page.html.gz
    reasons = {Path(origin.split("#")[0]).name: why for origin, why in summary.skipped}
    assert reasons == {
        "big.txt": f"too_large: {len(text) + 10_000} bytes exceed max_body {len(text) + 100}",
        "big.warc.gz": f"too_large: the page exceeds max_body {len(text) + 100}",
        "bomb.txt.gz": f"too_large: more than max_body {len(text) + 100} bytes unzipped",
        "cut.html.gz": "cannot read: a gzip file cut short",
        "linked": "a link to a directory: not followed (name the directory itself to read it)",
        "pipe.txt": "not a regular file (a FIFO): not read",
        "self": f"cannot read: [Errno 40] Too many levels of symbolic links: '{saved / 'self'}'",
    }
    assert len(summary.skipped) == 8  # the FIFO twice: in the directory and named


def test_pages_older_than_retention_bring_a_warning(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text(pages.plain_ticker(DEC_08))
    summary = run_import(HistoryDB(tmp_path / "h.db"), TIMESCA, [str(tmp_path)], "page", now=NOW)
    assert retention_warning(summary, 2 * 86400, NOW) is None
    assert retention_warning(summary, 3600, NOW) == (
        "warning: 1 pages are dated before 2025-12-08, older than storage.retention (1h):"
        " the service deletes their rows at its next start (raise storage.retention to keep"
        " them)"
    )
