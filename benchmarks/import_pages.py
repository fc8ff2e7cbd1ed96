"""`tickerwatch import` of a directory of 1,000 saved pages (180 KB news pages, one a day,
the ticker moving from page to page, the date below the ticker): wall time and peak RSS of
the import process, first run and a repeat (nothing new). Run alone with
`.venv/bin/python benchmarks/import_pages.py [--pages N]`; `make bench` runs it too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from pageserver import news_page

CHILD = (
    "import resource, sys\n"
    "from tickerwatch.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def write_pages(folder: Path, count: int, size: int = 180_000) -> None:
    first = date(2023, 1, 1)
    for i in range(count):
        day = (first + timedelta(days=i)).strftime("%d %B %Y")
        page = news_page(size, i, moving=True).replace(b"08 December 2025", day.encode(), 1)
        (folder / f"page-{i:04}.html").write_bytes(page)


def run_import(workdir: Path, folder: Path) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, the summary's first two lines) of one import process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "import", "-c", str(workdir / "tw.yaml"),
         "--source", "timesca", str(folder)],
        capture_output=True, text=True, cwd=workdir, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    rss_kb = int(done.stderr.strip().splitlines()[-1])
    return wall, rss_kb / 1024, " / ".join(done.stdout.splitlines()[:2])


def bench_import(count: int = 1000) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        folder = workdir / "saved"
        folder.mkdir()
        write_pages(folder, count)
        (workdir / "tw.yaml").write_text(
            "storage: {path: tw.db}\nsources:\n"
            "  - {name: timesca, url: 'http://127.0.0.1:9/', pairs: [KGS/USD, KZT/USD]}\n"
        )
        megabytes = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        first = run_import(workdir, folder)
        again = run_import(workdir, folder)
    return {
        "import_pages": count,
        "import_input_mb": round(megabytes, 1),
        "import_first_s": round(first[0], 2),
        "import_first_pages_per_s": round(count / first[0], 1),
        "import_first_peak_rss_mb": round(first[1], 1),
        "import_first_summary": first[2],
        "import_repeat_s": round(again[0], 2),
        "import_repeat_peak_rss_mb": round(again[1], 1),
        "import_repeat_summary": again[2],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=1000)
    print(json.dumps(bench_import(parser.parse_args().pages), indent=2))
