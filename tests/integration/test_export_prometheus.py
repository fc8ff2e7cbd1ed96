"""History exported as OpenMetrics (the real CLI), turned into blocks by the real
`promtool tsdb create-blocks-from openmetrics`, read by the real Prometheus: a rate of a
past date, from imported pages, answers a query at that date."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from support.pages import FIXTURES
from support.prometheus import Prometheus

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
DEC_08, DEC_22 = 1765152000, 1766361600  # 00:00 UTC


def tickerwatch(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "tickerwatch", *args], capture_output=True, text=True,
        timeout=120, cwd=cwd,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def rate_at(prom: Prometheus, base: str, at: float) -> list[float]:
    query = f'tickerwatch_exchange_rate{{source="timesca",base="{base}",quote="USD"}}'
    body = httpx.get(f"{prom.url}/api/v1/query", params={"query": query, "time": str(at)}).json()
    assert body["status"] == "success", body
    return [float(r["value"][1]) for r in body["data"]["result"]]


def test_exported_history_is_queryable_in_prometheus(tmp_path: Path) -> None:
    config = tmp_path / "tickerwatch.yaml"
    config.write_text(
        "storage: {path: data/tw.db}\nsources:\n"
        "  - {name: timesca, url: 'http://127.0.0.1:9/', pairs: [KGS/USD, KZT/USD]}\n"
    )
    pages = [str(FIXTURES / "pages" / f"timesca-{n}.txt") for n in ("2025-12-08-b", "013")]
    tickerwatch(tmp_path, "import", "-c", str(config), "--source", "timesca", *pages)
    exported = tmp_path / "history.om"
    done = tickerwatch(tmp_path, "export", "-c", str(config), "--openmetrics", "--since",
                       "2025-12-01", "--until", "2025-12-24", "-o", str(exported))  # fmt: skip
    assert "create-blocks-from openmetrics --max-block-duration=720h" in done.stderr
    assert exported.read_text().endswith("# EOF\n")

    prom = Prometheus(tmp_path, {"global": {"scrape_interval": "1h"}, "scrape_configs": []})
    blocks = subprocess.run(
        [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=720h",
         str(exported), str(prom.data)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert blocks.returncode == 0, blocks.stderr + blocks.stdout
    prom.flags = ["--storage.tsdb.retention.time=100y"]  # the default 15d deletes the past
    prom.start()
    try:
        assert rate_at(prom, "KZT", DEC_08 + 3 * 3600) == [0.00197]  # page b, 8 December
        assert rate_at(prom, "KZT", DEC_22 + 3 * 3600) == [0.00194]  # 013, 22 December
        assert rate_at(prom, "KGS", DEC_08 + 10 * 86400) == [0.01144]  # one run, 8 to 22 Dec
        assert rate_at(prom, "KZT", DEC_08 + 10 * 86400) == []  # 8 Dec held a day, no longer
    finally:
        prom.stop()
