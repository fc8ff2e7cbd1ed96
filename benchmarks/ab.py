"""Before/after: the side-by-side poll CPU (compare.py) of another commit and of this
working tree, in alternating processes (A B B A …), so the machine's slow and fast spells
fall on both alike. Each side runs its own compare.py against the same page server.

    .venv/bin/python benchmarks/ab.py REV [--pairs N]

Prints each run's ratios to blackbox_exporter (full, ticker moved, static menu, 304) and,
per side, their medians and the median CPU ms of a full poll, a 304 poll and a probe.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from run import free_port

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("full", "full_ticker_moved", "full_static_menu", "304")
RUN = (
    "import asyncio, json, sys; from compare import side_by_side; "
    "print(json.dumps(asyncio.run(side_by_side(int(sys.argv[1]), int(sys.argv[2]), 6, 50))))"
)


def checkout(rev: str, into: Path) -> Path:
    """service/ and benchmarks/ of `rev`, extracted under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "service", "benchmarks"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def ratios(tree: Path, port: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": f"{tree / 'service'}{os.pathsep}{tree / 'benchmarks'}"}
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(port), str(free_port())],
        cwd=tree / "benchmarks", env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    side = json.loads(done.stdout.splitlines()[-1])
    blackbox = side["blackbox_ms"]
    if blackbox is None:
        raise SystemExit("blackbox_exporter is not installed: nothing to take ratios to")
    out = {kind: side[f"tickerwatch_{kind}_ms"] / blackbox for kind in KINDS}
    out.update(full_ms=side["tickerwatch_full_ms"], poll_304_ms=side["tickerwatch_304_ms"])
    return {**out, "blackbox_ms": blackbox}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rev", help="the commit to compare this working tree with")
    parser.add_argument("--pairs", type=int, default=6, help="runs per side")
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "pageserver.py")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    runs: dict[str, list[dict[str, float]]] = {args.rev: [], "working tree": []}
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            trees = {args.rev: checkout(args.rev, Path(tmp)), "working tree": ROOT}
            for i in range(args.pairs):
                order = list(trees) if i % 2 == 0 else list(reversed(trees))
                for name in order:
                    runs[name].append(ratios(trees[name], port))
                    shown = " ".join(f"{k}={runs[name][-1][k]:.2f}" for k in KINDS)
                    print(f"run {i + 1} {name}: {shown}", flush=True)
    finally:
        server.terminate()
    columns = (*KINDS, "full_ms", "poll_304_ms", "blackbox_ms")
    print("\n| side | " + " | ".join(columns) + " |\n|---|" + "---|" * len(columns))
    for name, results in runs.items():
        medians = " | ".join(f"{statistics.median(r[k] for r in results):.2f}" for k in columns)
        print(f"| {name} (median of {len(results)}) | {medians} |")


if __name__ == "__main__":
    main()
