"""Polls while six clients read the largest history page (issue 18): a history of 300,000
rows, one source polled every second whose page moves on every poll (each poll writes),
six clients asking /api/v1/rates/history?since=0&limit=10000 back to back for 20 s.
Prints the polls made and their durations (the `duration` of each `poll` event).

    .venv/bin/python benchmarks/history_reads.py
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support import pages
from support.httpserver import PageServer, send
from support.pages import DEC_08, Line
from support.service import Service, config_text

ROWS, CLIENTS, SECONDS = 300_000, 6, 20.0


def fill(db: Path) -> None:
    """ROWS rows of an old source, written through a first start's schema."""
    start = time.time() - 2 * ROWS  # within retention: two seconds a row, ending now
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO history (source, base, quote, rate, change_pct, decimals, first_seen,"
            " last_seen) VALUES ('old', 'KZT', 'USD', ?, '0', 5, ?, ?)",
            ((f"0.{i % 99999:05d}", start + 2 * i, start + 2 * i + 1) for i in range(ROWS)),
        )


def main() -> None:
    counter = itertools.count()

    def moving(req: object) -> None:
        kzt = f"0.00{100 + next(counter) % 900:03d}"
        lines = tuple(Line(x.pair, kzt, "0") if x.pair == "KZT/USD" else x for x in DEC_08)
        send(req, 200, pages.list_items(lines).encode(), {"Content-Type": "text/html"})  # type: ignore[arg-type]

    with tempfile.TemporaryDirectory() as tmp, PageServer() as site:
        url = site.route("/", moving)
        svc = Service(Path(tmp), config_text(f"  - name: moving\n    url: {url}\n")).start()
        svc.stop()
        fill(svc.db)
        svc.start()
        stop = time.monotonic() + SECONDS
        pages_read = []

        def reader() -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{svc.port}", timeout=60) as c:
                while time.monotonic() < stop:
                    params = {"since": "0", "limit": "10000"}
                    answer = c.get("/api/v1/rates/history", params=params)
                    pages_read.append(len(answer.json()["history"]))

        started = time.time()
        threads = [threading.Thread(target=reader) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ended = time.time()
        svc.close()
        durations = []
        for line in svc.log.read_text().splitlines():
            event = json.loads(line) if line.startswith("{") else {}
            if event.get("event") == "poll":
                at = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()
                if started <= at <= ended:
                    durations.append(float(event["duration"]))
        result = {
            "pages_read": len(pages_read), "rows_per_page": max(pages_read),
            "polls": len(durations), "seconds": SECONDS,
            "poll_p50_ms": round(statistics.median(durations) * 1000, 1),
            "poll_max_ms": round(max(durations) * 1000, 1),
        }  # fmt: skip
        print(json.dumps(result))


if __name__ == "__main__":
    main()
