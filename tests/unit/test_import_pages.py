"""Saved pages read and dated for `tickerwatch import`: the date below the ticker, in a file
name or given; files, directories and WARC files (written with warcio); feeds dated by the
day their rates take effect. Real files, a real SQLite history."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from support import pages
from support.feeds import FEEDS, source
from support.pages import DEC_08
from tickerwatch.core.pagedate import DateError, fixed_date, name_date, out_of_range, page_date
from tickerwatch.importer import UNDATED, fallback_of, run_import
from tickerwatch.sources.archive import read_saved
from tickerwatch.store.sqlite import HistoryDB

DEC_08_UTC = 1765152000.0  # 2025-12-08T00:00:00Z
TIMESCA = source("timesca")


def test_the_date_line_below_the_ticker() -> None:
    text = "• KGS/USD = 0.01144 0%\n08 December 2025\n\nSome 3 May 2024 news"
    assert page_date(text, 22, "UTC") == DEC_08_UTC
    assert page_date(text, 22, "Asia/Bishkek") == DEC_08_UTC - 6 * 3600
    assert page_date("ticker\nDec 8, 2025", 6, "UTC") == DEC_08_UTC
    assert page_date("ticker\n31 February 2025\n", 6, "UTC") is None  # no such day
    assert page_date("ticker" + " " * 400 + "08 December 2025", 6, "UTC") is None  # too far


def test_dates_in_names_and_given() -> None:
    assert name_date("timesca-2025-12-08-a.txt", "UTC") == DEC_08_UTC
    assert name_date("20251208.html", "UTC") == DEC_08_UTC
    assert name_date("page-120.txt", "UTC") is None
    assert name_date("20251399.html", "UTC") is None
    assert fixed_date("2025-12-08", "UTC") == DEC_08_UTC
    assert fixed_date("2025-12-08T06:00:00+06:00", "UTC") == DEC_08_UTC
    assert fixed_date("20251208", "UTC") == DEC_08_UTC  # ISO 8601 basic: a date, no zone
    assert fixed_date("2025-12-08t00:00:00z", "UTC") == DEC_08_UTC  # RFC 3339 allows both
    with pytest.raises(DateError, match="time zone"):
        fixed_date("2025-12-08T06:00:00", "UTC")
    with pytest.raises(DateError, match="expected a date"):
        fixed_date("yesterday", "UTC")


def warc(path: Path) -> None:
    """Three responses (a dated page in windows-1251, one without a date, a 404) and a
    request record, gzipped as web archives are."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        html = pages.list_items(DEC_08).replace("utf-8", "windows-1251").encode("cp1251")
        bodies = [
            ("https://timesca.com/", "200 OK", html),
            ("https://timesca.com/undated", "200 OK", pages.plain_ticker(DEC_08, tail="").encode()),
            ("https://timesca.com/gone", "404 Not Found", b"not here"),
        ]
        for uri, status, body in bodies:
            headers = StatusAndHeaders(status, [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2025-12-09T10:00:00Z"},
            ))  # fmt: skip
        request = StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True)
        writer.write_record(writer.create_warc_record(
            "https://timesca.com/", "request", payload=io.BytesIO(b""), http_headers=request
        ))  # fmt: skip


def test_warc_responses_are_pages_with_their_capture_time(tmp_path: Path) -> None:
    warc(tmp_path / "crawl.warc.gz")
    saved = list(read_saved(tmp_path / "crawl.warc.gz"))
    assert [s.origin.split("#")[1] for s in saved] == [
        "https://timesca.com/", "https://timesca.com/undated", "https://timesca.com/gone",
    ]  # fmt: skip
    assert saved[0].page is not None and saved[0].page.encoding == "cp1251"
    assert saved[0].mtime == DEC_08_UTC + 86400 + 36000
    assert saved[2].page is None and saved[2].error == "the archived response is HTTP 404"


def test_an_import_lists_every_page_it_skips_and_why(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    warc(saved / "crawl.warc.gz")
    (saved / "broken.warc").write_bytes(b"<html>not an archive</html>")
    (saved / "empty.warc").write_bytes(b"WARC/1.0\r\nnonsense")
    db = HistoryDB(tmp_path / "h.db")
    summary = run_import(db, TIMESCA, [str(saved), str(saved / "missing.html")], "page")
    assert summary.read == 6 and dict(summary.dated) == {"page": 1}
    reasons = {origin.rsplit("/", 1)[-1]: reason for origin, reason in summary.skipped}
    assert reasons["undated"] == UNDATED
    assert reasons["gone"] == "the archived response is HTTP 404"
    assert reasons["broken.warc"].startswith("not a readable WARC file")
    assert reasons["empty.warc"] == "no responses in the WARC file"
    assert reasons["missing.html"].startswith("cannot read: [Errno 2]")
    assert {r.first_seen for r in db.history("timesca", None, 0, 1e12, 100)} == {DEC_08_UTC}

    mtime = run_import(db, TIMESCA, [str(saved / "crawl.warc.gz")], "mtime")
    assert dict(mtime.dated) == {"page": 1, "mtime": 1}
    fixed = run_import(db, TIMESCA, [str(saved / "crawl.warc.gz")], 1.5e9)
    assert dict(fixed.dated) == {"page": 1, "the fixed date": 1}


def test_undated_pages_by_file_name_and_mtime(tmp_path: Path) -> None:
    (tmp_path / "saved").mkdir()
    named = tmp_path / "saved" / "timesca-2025-12-08.txt"
    named.write_text(pages.plain_ticker(DEC_08, tail=""))
    other = tmp_path / "saved" / "page.txt"
    other.write_text(pages.plain_ticker(DEC_08, tail=""))
    os.utime(other, (DEC_08_UTC + 3600, DEC_08_UTC + 3600))
    db = HistoryDB(tmp_path / "h.db")
    by_name = run_import(db, TIMESCA, [str(tmp_path / "saved")], "filename")
    assert dict(by_name.dated) == {"filename": 1}
    assert by_name.skipped == [(str(other), "undated: no date in the name 'page.txt'")]
    by_mtime = run_import(db, TIMESCA, [str(other)], "mtime")
    assert dict(by_mtime.dated) == {"mtime": 1}
    rows = db.history("timesca", None, 0, 1e12, 100)
    assert {(r.first_seen, r.last_seen) for r in rows} == {(DEC_08_UTC, DEC_08_UTC + 3600)}


def test_a_feed_is_dated_by_the_day_its_rates_take_effect(tmp_path: Path) -> None:
    db = HistoryDB(tmp_path / "h.db")
    nbkr = replace(source("nbkr"), timezone="Asia/Bishkek")
    summary = run_import(db, nbkr, [str(FEEDS / "nbkr_daily_2026-05-24.xml")], "page")
    assert dict(summary.dated) == {"feed": 1}
    rows = db.history("nbkr", None, 0, 1e12, 100)
    assert rows and {(r.first_seen, r.effective, r.imported) for r in rows} == {
        (1779559200.0, 1779559200.0, True)  # 2026-05-24 00:00 in Bishkek
    }


def test_dates_that_cannot_be_right_are_refused(tmp_path: Path) -> None:
    now = DEC_08_UTC + 12 * 3600  # 2025-12-08 18:00 in Bishkek
    assert out_of_range(DEC_08_UTC + 86400, "UTC", now) is None  # tomorrow: a feed's next day
    assert out_of_range(fixed_date("1990-01-01", "UTC"), "UTC", now) is None
    assert out_of_range(DEC_08_UTC + 2 * 86400, "UTC", now) == (
        "dated 2025-12-10, after tomorrow (2025-12-09 in UTC): cannot be right"
    )
    assert out_of_range(fixed_date("0001-01-01", "Asia/Bishkek"), "Asia/Bishkek", now) == (
        "dated 0001-01-01, before 1990-01-01: cannot be right"
    )
    with pytest.raises(DateError, match="before 1990-01-01"):
        fallback_of("0001-01-01", TIMESCA, now)
    saved = tmp_path / "saved"
    saved.mkdir()
    for year in ("0001", "1900", "2099", "9999"):
        (saved / f"{year}.txt").write_text(pages.plain_ticker(DEC_08, tail=f"08 December {year}"))
    (saved / "30001231.txt").write_text(pages.plain_ticker(DEC_08, tail=""))
    (saved / "20251208.txt").write_text(pages.plain_ticker(DEC_08, tail=""))
    db = HistoryDB(tmp_path / "h.db")
    tz = replace(TIMESCA, timezone="Asia/Bishkek")
    summary = run_import(db, tz, [str(saved)], "filename", now=now)
    assert dict(summary.dated) == {"filename": 1}
    reasons = {Path(origin).name: reason for origin, reason in summary.skipped}
    assert reasons["0001.txt"] == (
        "dated 0001-12-08, before 1990-01-01: cannot be right (date from page)"
    )
    assert reasons["9999.txt"].startswith("dated 9999-12-08, after tomorrow (2025-12-09 in")
    assert reasons["30001231.txt"].endswith("cannot be right (date from filename)")
    assert set(reasons) == {"0001.txt", "1900.txt", "2099.txt", "9999.txt", "30001231.txt"}
    rows = db.history("timesca", None, -1e12, 1e12, 100)
    assert {r.first_seen for r in rows} == {DEC_08_UTC - 6 * 3600}


def test_cut_revisited_and_foreign_warc_files_are_listed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    warc(tmp_path / "crawl.warc.gz")
    data = (tmp_path / "crawl.warc.gz").read_bytes()
    (tmp_path / "cut.warc.gz").write_bytes(data[: len(data) * 2 // 3])
    plain = io.BytesIO()
    writer = WARCWriter(plain, gzip=False)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    body = pages.plain_ticker(DEC_08).encode()
    record = writer.create_warc_record(
        "https://timesca.com/", "response", payload=io.BytesIO(body), http_headers=http
    )
    writer.write_record(record)
    digest = record.rec_headers.get_header("WARC-Payload-Digest")
    revisit = writer.create_revisit_record("https://timesca.com/", digest, "https://timesca.com/",
                                           "2025-12-08T10:00:00Z")  # fmt: skip
    writer.write_record(revisit)
    writer.write_record(writer.create_warc_record(
        "https://timesca.com/b c", "response", payload=io.BytesIO(body), http_headers=http
    ))  # fmt: skip
    (tmp_path / "plain.warc").write_bytes(plain.getvalue()[:-100])
    (tmp_path / "notwarc.warc").write_bytes(b"hello this is not a warc\n")

    def reasons(name: str) -> list[str]:
        return [s.error for s in read_saved(tmp_path / name) if s.page is None]

    assert reasons("cut.warc.gz")[-1].startswith("truncated (Compressed file ended")
    assert reasons("plain.warc") == [
        "a revisit record: the page is an earlier capture's, not stored here again",
        "truncated: the record ends 96 bytes early",
        "warcio: Replacing spaces in invalid WARC-Target-URI: https://timesca.com/b c",
    ]
    assert reasons("notwarc.warc") == ["not a readable WARC file: it does not start with WARC/"]
    assert capfd.readouterr().err == ""  # warcio's warnings are listed, not printed
