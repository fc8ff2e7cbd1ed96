"""`tickerwatch import` (the real CLI) of the sample pages into the history of a running
service: the history API shows one row per distinct printed value, dated by the pages, and
the live rows the service writes meanwhile stay as they are."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from support.pages import FIXTURES
from support.service import Service, wait_for

SNAPSHOTS = ("003", "008", "013", "054", "120", "157", "178")
DATED = ("timesca-2025-12-08-a.txt", "timesca-2025-12-08-b.txt")
DEC_08, DEC_22 = "2025-12-08T00:00:00Z", "2025-12-22T00:00:00Z"
LIVE = "2026-01-01T00:00:00Z"  # the live polls are of now, after every sample page
# (pair, rate, change_pct, first_seen, last_seen): a and b are both of 8 December and differ
# in KZT, TJS and UZS; 013 is of 22 December.
EXPECTED = [
    ("KGS/USD", "0.01144", "0", DEC_08, DEC_22),
    ("KZT/USD", "0.00196", "-0", DEC_08, DEC_08),
    ("KZT/USD", "0.00197", "-0", DEC_08, DEC_08),
    ("TJS/USD", "0.10899", "-0", DEC_08, DEC_08),
    ("TJS/USD", "0.10904", "0", DEC_08, DEC_08),
    ("TMT/USD", "0.28490", "0", DEC_08, DEC_08),
    ("UZS/USD", "0.00008", "-0", DEC_08, DEC_08),
    ("UZS/USD", "0.00008", "0", DEC_08, DEC_22),
    ("KZT/USD", "0.00194", "0", DEC_22, DEC_22),
    ("TJS/USD", "0.10864", "0.09", DEC_22, DEC_22),
    ("TMT/USD", "0.28571", "0", DEC_22, DEC_22),
]


def tickerwatch(svc: Service, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tickerwatch", *args], capture_output=True, text=True,
        timeout=60, cwd=svc.workdir,
    )  # fmt: skip


def history(svc: Service, **params: str) -> list[dict[str, object]]:
    response = svc.get("/api/v1/rates/history", params={"limit": "10000", **params})
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()["history"]
    return rows


def test_import_of_the_samples_beside_live_polls(service: Service, tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    for name in [f"timesca-{n}.txt" for n in SNAPSHOTS] + list(DATED):
        shutil.copy(FIXTURES / "pages" / name, saved / name)
    wait_for(lambda: history(service, since=LIVE), what="a live row")

    done = tickerwatch(service, "import", "-c", str(service.config), "--source", "timesca",
                       str(saved))  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "read 9 pages: 3 dated (3 from page), 6 skipped"
    assert sorted(line.split(":")[0] for line in lines[2:]) == sorted(
        f"skipped {saved}/timesca-{n}.txt" for n in ("003", "008", "054", "120", "157", "178")
    )
    assert f"skipped {saved}/timesca-003.txt: no_ticker" in done.stdout
    assert f"skipped {saved}/timesca-008.txt: undated: no date below the ticker" in done.stdout

    imported = history(service, since=DEC_08, until="2025-12-31T00:00:00Z")
    got = [(r["pair"], r["rate"], r["change_pct"], r["first_seen"], r["last_seen"])
           for r in imported]  # fmt: skip
    assert sorted(got, key=lambda r: (r[3], r[0], r[1], r[2])) == sorted(
        EXPECTED, key=lambda r: (r[3], r[0], r[1], r[2])
    )
    assert [r["first_seen"] for r in imported] == sorted(r["first_seen"] for r in imported)
    assert all(r["imported"] is True for r in imported)

    landing = service.get("/").text  # the page's recent history: imported rows marked
    assert landing.count("<span class=imported>imported</span>") == len(EXPECTED)
    assert (
        '<td class=n>0.00194</td><td class=n>0%</td><td><time datetime="2025-12-22T00:00:00Z"'
        in landing
    )

    live_before = history(service, since=LIVE)
    assert live_before and not any(r["imported"] for r in live_before)
    again = tickerwatch(service, "import", "-c", str(service.config), "--source", "timesca",
                        str(saved))  # fmt: skip
    assert "sightings: 0 new, 15 already known; 0 imported rows written" in again.stdout
    assert history(service, since=DEC_08, until="2025-12-31T00:00:00Z") == imported
    live = history(service, since=LIVE)  # the service kept polling: rows grow
    assert [(r["pair"], r["first_seen"]) for r in live] == [
        (r["pair"], r["first_seen"]) for r in live_before
    ]
