"""Faults of the history database under the real service: a second tickerwatch on the same
file, a corrupt file at start, a slow read, a full disk, files deleted while open."""

from __future__ import annotations

import itertools
import random
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from support import pages
from support.httpserver import PageServer, send
from support.pages import DEC_08, Line
from support.service import Service, config_text, logged, sample, wait_for, with_fault


@pytest.fixture
def first(tmp_path: Path, site: PageServer) -> Iterator[Service]:
    svc = Service(tmp_path, config_text(f"  - name: timesca\n    url: {site.url('/')}\n"))
    try:
        yield svc.start()
    finally:
        svc.close()


def run_second(config: Path) -> subprocess.CompletedProcess[str]:
    """`tickerwatch run` on `config`, to its end (at most 20 s)."""
    command = [sys.executable, "-m", "tickerwatch", "run", "-c", str(config)]
    return subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)


def test_a_second_tickerwatch_on_the_same_database_refuses_to_start(
    tmp_path: Path, first: Service
) -> None:
    assert first.proc is not None
    (tmp_path / "second").mkdir()
    other = Service(tmp_path / "second", first.config.read_text())  # another port
    other.config.write_text(first.config.read_text().replace(str(first.port), str(other.port)))
    done = run_second(other.config)
    assert done.returncode == 1, done.stderr
    assert str(first.db) in done.stderr
    assert f"pid {first.proc.pid}" in done.stderr
    assert first.get("/readyz").status_code == 200  # the first runs on
    first.stop()
    second = other.start()  # the lock goes with its holder
    second.close()


def test_a_corrupt_database_at_start_is_not_ready_and_says_which_file_and_why(
    first: Service,
) -> None:
    wait_for(lambda: first.get("/api/v1/rates/history").json()["history"], what="a row")
    assert first.stop() == 0
    with first.db.open("r+b") as db:  # random bytes over the third page
        db.seek(2 * 4096)
        db.write(random.Random(18).randbytes(4096))
    first.start(probe="/livez")
    assert first.get("/readyz").status_code == 503
    health = first.get("/healthz")
    assert health.status_code == 503
    assert health.json()["status"] == "failing"
    assert str(first.db) in health.json()["storage"]["error"]
    assert "Page 3" in health.json()["storage"]["error"]  # PRAGMA quick_check's finding
    history = first.get("/api/v1/rates/history")
    assert history.status_code == 503
    assert "corrupt" in history.json()["error"]
    (event,) = logged(first, "database_corrupt")
    assert event["path"] == str(first.db) and event["level"] == "error"
    assert first.proc is not None
    first.proc.send_signal(signal.SIGHUP)  # a reload cannot help: said, and it runs on
    wait_for(lambda: logged(first, "reload_ignored_database_unusable"), what="SIGHUP said")
    assert first.get("/livez").status_code == 200
    assert first.stop() == 0


def test_a_slow_history_read_never_delays_a_poll(tmp_path: Path, site: PageServer) -> None:
    release = tmp_path / "release"
    svc = Service(tmp_path, config_text(f"  - name: timesca\n    url: {site.url('/')}\n"))
    with_fault(svc, "support.slowreads", TICKERWATCH_RELEASE=str(release)).start()
    try:
        polls = "tickerwatch_source_polls_total"
        with ThreadPoolExecutor(1) as pool:
            reading = pool.submit(svc.get, "/api/v1/rates/history", timeout=40)
            before = sample(svc.metrics(), polls, source="timesca") or 0
            wait_for(  # every poll writes; the read waits meanwhile
                lambda: (sample(svc.metrics(), polls, source="timesca") or 0) >= before + 3,
                what="polls while a history read is stuck",
            )
            assert not reading.done()
            release.touch()
            assert reading.result().status_code == 200
    finally:
        svc.close()


class Moving:
    """A new KZT/USD rate on every request, so every poll writes a history row."""

    def __init__(self) -> None:
        self.n = itertools.count(1)

    def __call__(self, req: BaseHTTPRequestHandler) -> None:
        kzt = f"0.00{100 + next(self.n):03d}"
        lines = tuple(Line(x.pair, kzt, "0") if x.pair == "KZT/USD" else x for x in DEC_08)
        send(req, 200, pages.list_items(lines).encode(), {"Content-Type": "text/html"})


def history_rows(db: Path) -> list[tuple[str, float]]:
    with sqlite3.connect(db) as conn:
        query = "SELECT rate, first_seen FROM history WHERE base='KZT' ORDER BY first_seen"
        return list(conn.execute(query))


def test_a_full_disk_serves_polls_from_memory_and_loses_nothing_committed(
    tmp_path: Path,
) -> None:
    with PageServer() as site:
        url = site.route("/", Moving())
        svc = Service(tmp_path, config_text(f"  - name: moving\n    url: {url}\n")).start()
        try:
            assert svc.proc is not None
            wait_for(lambda: len(svc.get("/api/v1/rates/history").json()["history"]) >= 15,
                     what="rows")  # fmt: skip
            sizes = [p.stat().st_size for p in (svc.log, svc.db, Path(f"{svc.db}-wal"))]
            limit = f"--fsize={sizes[0] + 32768}:"  # soft limit; the log may grow 32 KiB
            subprocess.run(["prlimit", "--pid", str(svc.proc.pid), limit], check=True)
            faults = "tickerwatch_storage_faults_total"
            wait_for(
                lambda: (sample(svc.metrics(), faults, kind="write_failed") or 0) >= 2,
                what="writes failing",
            )
            before = history_rows(svc.db)
            assert sample(svc.metrics(), "tickerwatch_source_up", source="moving") == 1
            served = sample(svc.metrics(), "tickerwatch_exchange_rate", base="KZT")
            wait_for(  # the rates move on, from memory
                lambda: sample(svc.metrics(), "tickerwatch_exchange_rate", base="KZT") != served,
                what="rates from memory",
            )
            health = svc.get("/healthz").json()
            assert health["status"] == "degraded" and health["storage"]["writes_failing"]
            subprocess.run(
                ["prlimit", "--pid", str(svc.proc.pid), "--fsize=unlimited:"], check=True
            )
            wait_for(
                lambda: not svc.get("/healthz").json()["storage"]["writes_failing"],
                what="writes again",
            )
            assert svc.stop() == 0
        finally:
            svc.close()
    after = history_rows(svc.db)
    assert set(before) <= set(after) and len(after) > len(before)
    with sqlite3.connect(svc.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_database_files_deleted_while_running_are_rewritten_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    with PageServer() as site:
        url = site.route("/", Moving())
        svc = Service(tmp_path, config_text(f"  - name: moving\n    url: {url}\n")).start()
        try:
            rows = lambda: len(svc.get("/api/v1/rates/history").json()["history"])  # noqa: E731
            wait_for(lambda: rows() >= 3, what="rows")
            faults = "tickerwatch_storage_faults_total"
            for n, deleted in enumerate((["-wal"], ["", "-wal", "-shm"]), start=1):
                for suffix in deleted:
                    Path(f"{svc.db}{suffix}").unlink()
                wait_for(
                    lambda n=n: sample(svc.metrics(), faults, kind="file_missing") == n,  # type: ignore[misc]
                    what="the deletion found",
                )
                assert svc.db.exists()
                seen = rows()
                wait_for(lambda seen=seen: rows() > seen, what="rows written after it")  # type: ignore[misc]
            events = logged(svc, "database_files_missing")
            assert [e["level"] for e in events] == ["error", "error"]
            assert "tw.db-wal was deleted" in str(events[0]["problem"])
            assert "tw.db was deleted" in str(events[1]["problem"])
            health = svc.get("/healthz").json()
            assert (
                health["status"] == "degraded" and health["storage"]["faults"]["file_missing"] == 2
            )
            served = svc.get("/api/v1/rates/history").json()["history"]
            assert svc.stop() == 0
        finally:
            svc.close()
    kept = {rate for rate, _ in history_rows(svc.db)}  # what a restart would find
    assert {r["rate"] for r in served if r["pair"] == "KZT/USD"} <= kept
