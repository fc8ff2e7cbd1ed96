"""The landing page in a real browser (Debian's chromium, headless): the page a browser
builds has one chart point per history row of the pair, and it renders at a phone's
420 px. The screenshot it takes is the README's (docs/landing.png, refreshed with
TICKERWATCH_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

from support import pages
from support.httpserver import PageServer
from support.service import Service, config_text, wait_for

ROOT = Path(__file__).resolve().parents[2]
KZT_MOVES = ("0.00196", "0.00195", "0.00193", "0.00194")  # four rows of KZT/USD history
RULES = (
    "alerts:\n  - {name: KZTLow, pairs: [KZT/USD], rate: {below: 0.00195}, severity: critical}\n"
    "  - {name: KZTMoved, pairs: [KZT/USD], change: {window: 24h, by: 0.005}}\n"
)


with_kzt = pages.with_kzt


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    assert binary, "chromium is installed by tests/system-tools.sh"
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_browser_draws_one_chart_point_per_history_row(tmp_path: Path) -> None:
    with PageServer() as site:
        site.page("/", with_kzt(KZT_MOVES[0]))
        sources = f"  - name: timesca\n    url: {site.url('/')}\n    interval: 1s\n    jitter: 0s\n"
        svc = Service(tmp_path, config_text(sources, RULES)).start()
        try:
            wait_for(lambda: len(kzt_history(svc)) == 1, what="the first history row")
            for n, rate in enumerate(KZT_MOVES[1:], start=2):
                site.page("/", with_kzt(rate))
                wait_for(lambda n=n: len(kzt_history(svc)) == n, what=f"{n} history rows")
            # A history cut by limit says so, and where the next page starts.
            query = {"source": "timesca", "pair": "KZT/USD", "since": "0", "limit": "2"}
            page = svc.get("/api/v1/rates/history", params=query).json()
            assert page["truncated"] and len(page["history"]) == 2
            assert page["next_since"] == kzt_history(svc)[2]["first_seen"]
            whole = svc.get("/api/v1/rates/history", params={**query, "limit": "4"}).json()
            assert not whole["truncated"] and "next_since" not in whole
            url = f"http://127.0.0.1:{svc.port}/"
            dom = chromium("--dump-dom", url).stdout
            figure = next(
                f for f in re.findall(r"<figure>.*?</figure>", dom, re.S) if "KZT/USD" in f
            )
            assert figure.count('class="point"') == len(kzt_history(svc)) == 4
            assert 'name="viewport"' in dom
            assert re.search(r">\d+(\.\d+)? KZT per USD ", dom)  # the inverse says its unit
            shot = tmp_path / "landing.png"
            chromium(f"--screenshot={shot}", "--window-size=420,1600", url)
            width, height = struct.unpack(">II", shot.read_bytes()[16:24])  # the PNG's IHDR
            assert (width, height) == (420, 1600)
            if os.environ.get("TICKERWATCH_SCREENSHOTS"):
                shutil.copy(shot, ROOT / "docs" / "landing.png")
        finally:
            svc.close()


def kzt_history(svc: Service) -> list[dict[str, object]]:
    query = {"source": "timesca", "pair": "KZT/USD", "since": "0"}
    rows: list[dict[str, object]] = svc.get("/api/v1/rates/history", params=query).json()["history"]
    return rows
