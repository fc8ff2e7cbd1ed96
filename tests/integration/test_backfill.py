"""`tickerwatch backfill` (the real CLI) against a local server serving NBT's dated feed:
each day fetched once, one request at a time with the delay between; a day that fails is
listed and fetched again by the next run, the days imported are not."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from support.feeds import FEEDS, XML, source
from support.httpserver import PageServer, send
from tickerwatch.backfill import backfill as backfill_days
from tickerwatch.backfill import days
from tickerwatch.core.model import Pair
from tickerwatch.store.sqlite import HistoryDB

BODY = (FEEDS / "nbt_export_xml_2026-05-18.xml").read_text()
# USD/TJS per day (a real NBT value on the 18th, ours after); the 20th is not served (404)
RATES = {"2026-05-18": "9.3450", "2026-05-19": "9.3450", "2026-05-21": "9.3512"}


def backfill(tmp_path: Path, config: Path, *days: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tickerwatch", "backfill", "-c", str(config), "--source", "nbt",
         "--from", days[0], "--to", days[1], "--delay", "0.2s"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip


def test_backfill_is_polite_and_resumable(tmp_path: Path) -> None:
    times: list[float] = []
    with PageServer() as server:
        for day, usd in RATES.items():
            body = BODY.replace('Date="2026-05-18"', f'Date="{day}"').replace("9.3450", usd)

            def handler(req: object, data: bytes = body.encode()) -> None:
                times.append(time.monotonic())
                send(req, 200, data, {"Content-Type": XML})  # type: ignore[arg-type]

            server.route(f"/nbt/{day}.xml", handler)
        config = tmp_path / "tickerwatch.yaml"
        config.write_text(
            "storage: {path: data/tw.db}\nsources:\n"
            f"  - {{name: nbt, url: '{server.url('/nbt/%Y-%m-%d.xml')}', format: nbt,"
            " timezone: Asia/Dushanbe, pairs: [USD/TJS]}\n"
        )
        first = backfill(tmp_path, config, "2026-05-18", "2026-05-21")
        assert first.returncode == 1, first.stderr
        assert "days: 3 fetched and imported" in first.stdout
        assert "failed 2026-05-20: http_status: HTTP 404" in first.stdout
        assert [p for p, _ in server.requests] == [
            f"/nbt/2026-05-{d}.xml" for d in (18, 19, 20, 21)
        ]
        assert all(b - a >= 0.2 for a, b in itertools.pairwise(times))

        server.route("/nbt/2026-05-20.xml", lambda req: send(req, 200, BODY.replace(
            'Date="2026-05-18"', 'Date="2026-05-20"').encode(), {"Content-Type": XML}))  # fmt: skip
        again = backfill(tmp_path, config, "2026-05-18", "2026-05-21")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "days: 1 fetched and imported" in again.stdout
        assert "3 imported before (not fetched), 0 skipped, 0 failed" in again.stdout
        assert [p for p, _ in server.requests][4:] == ["/nbt/2026-05-20.xml"]

    db = HistoryDB(tmp_path / "data" / "tw.db")
    rows = db.history("nbt", Pair("USD", "TJS"), 0, 1e12, 100)
    assert [(r.effective, str(r.rate), r.imported) for r in rows] == [
        (1779044400.0 + i * 86400, rate, True)  # 00:00 in Dushanbe, one row per dated file
        for i, rate in enumerate(["9.3450", "9.3450", "9.3450", "9.3512"])
    ]


def test_backfill_waits_as_asked_and_fetches_a_shared_url_once(tmp_path: Path) -> None:
    times: dict[str, list[float]] = {}
    busy = iter([429])
    feed = BODY.encode()

    def handler(req: Any) -> None:
        times.setdefault(req.path, []).append(time.monotonic())
        if req.path.endswith("-18.xml") and next(busy, 200) == 429:
            send(req, 429, b"slow down", {"Retry-After": "1"})
        elif req.path.endswith("-19.xml"):
            send(req, 500, b"broken")
        else:
            send(req, 200, feed, {"Content-Type": XML})

    with PageServer() as server:
        for path in ("/nbt/2026-05-18.xml", "/nbt/2026-05-19.xml", "/nbt/05.xml"):
            server.route(path, handler)
        nbt = replace(source("nbt", url=server.url("/nbt/%Y-%m-%d.xml")), timezone="Asia/Dushanbe")
        db = HistoryDB(tmp_path / "h.db")
        said: list[str] = []
        result = backfill_days(
            db, nbt, days(date(2026, 5, 18), date(2026, 5, 19)), 0.2, said.append
        )
        monthly = backfill_days(
            db,
            replace(nbt, url=server.url("/nbt/%m.xml")),
            days(date(2026, 5, 1), date(2026, 5, 4)),
            0.2,
        )
    first, second = times["/nbt/2026-05-18.xml"]
    assert second - first >= 1.0  # Retry-After: 1, not the 0.2 s delay
    assert "the server asks to wait 1s (Retry-After)" in said[0]
    fails = times["/nbt/2026-05-19.xml"]
    assert len(fails) == 3 and fails[0] - second >= 0.2
    assert [
        b - a >= d for (a, b), d in zip(itertools.pairwise(fails), (0.2, 0.4), strict=True)
    ] == [True] * 2
    assert [d.day for d, _ in result.failed] == [19] and len(result.imported) == 1
    assert len(times["/nbt/05.xml"]) == 1  # four days, one URL: fetched once
    assert (len(monthly.imported), len(monthly.done_before)) == (1, 3)
