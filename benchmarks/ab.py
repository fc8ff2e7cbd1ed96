"""Before/after: the per-shape side-by-side poll CPU (compare.py) of another commit's service
and of this working tree's, in alternating processes (A B B A …), so the machine's slow and
fast spells fall on both alike. Both sides run this working tree's compare.py (the same
shapes, pages and blackbox_exporter modules) against the same page server; only service/
differs.

    .venv/bin/python benchmarks/ab.py REV [--pairs N] [--rounds R] [--shapes a,b]

Prints each run's ratios to blackbox_exporter (literal-prefix regex) per shape and, per shape
and side, the median (and range) of the ratios to both regex styles and of tickerwatch's CPU
ms per poll.
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

from compare import SHAPES, ratios
from run import free_port

ROOT = Path(__file__).resolve().parents[1]
RUN = (
    "import asyncio, json, os, sys; from pathlib import Path; from tickerwatch import logs; "
    "from compare import side_by_side; "
    "logs.configure(json=True, stream=Path(os.devnull).open('w')); "
    "shapes = tuple(sys.argv[5].split(',')); "
    "print(json.dumps(asyncio.run(side_by_side(int(sys.argv[1]), int(sys.argv[2]), "
    "int(sys.argv[3]), int(sys.argv[4]), shapes))))"
)
Run = dict[str, dict[str, float | None]]


def checkout(rev: str, into: Path) -> Path:
    """service/ of `rev`, extracted under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "service"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def measure(tree: Path, port: int, rounds: int, batch: int, shapes: list[str]) -> Run:
    """One compare.py run with `tree`'s service: per shape, ratios(…)'s row."""
    bench = ROOT / "benchmarks"
    env = {**os.environ, "PYTHONPATH": f"{tree / 'service'}{os.pathsep}{bench}"}
    args = [str(port), str(free_port()), str(rounds), str(batch), ",".join(shapes)]
    done = subprocess.run(
        [sys.executable, "-c", RUN, *args],
        cwd=bench, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    table = ratios(json.loads(done.stdout.splitlines()[-1]))
    if any(row["ratio_literal"] is None for row in table.values()):
        raise SystemExit("blackbox_exporter is not installed: nothing to take ratios to")
    return table


def summary(runs: dict[str, list[Run]], shapes: list[str]) -> str:
    """Per shape and side: median (min–max) of the ratios and of the CPU ms per poll."""

    def stat(results: list[Run], shape: str, key: str) -> str:
        values = [r[shape][key] or 0.0 for r in results]
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"

    lines = [
        "| shape | side | ratio to literal | ratio to class | tickerwatch CPU ms | target |",
        "|---|---|---|---|---|---|",
    ]
    for shape in shapes:
        for side, results in runs.items():
            lines.append(
                f"| {shape} | {side} (median of {len(results)}) "
                f"| {stat(results, shape, 'ratio_literal')} "
                f"| {stat(results, shape, 'ratio_class')} "
                f"| {stat(results, shape, 'tickerwatch_ms')} | ≤{SHAPES[shape].target:.1f}× |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rev", help="the commit whose service/ to compare this working tree's with")
    parser.add_argument("--pairs", type=int, default=4, help="runs per side")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of batches per run")
    parser.add_argument("--batch", type=int, default=40, help="polls / probes per batch")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated shapes")
    args = parser.parse_args()
    shapes = args.shapes.split(",")
    unknown = set(shapes) - set(SHAPES)
    if unknown:
        parser.error(f"unknown shapes {sorted(unknown)}; known: {', '.join(SHAPES)}")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "pageserver.py")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    runs: dict[str, list[Run]] = {args.rev: [], "working tree": []}
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            trees = {args.rev: checkout(args.rev, Path(tmp)), "working tree": ROOT}
            for i in range(args.pairs):
                order = list(trees) if i % 2 == 0 else list(reversed(trees))
                for name in order:
                    table = measure(trees[name], port, args.rounds, args.batch, shapes)
                    runs[name].append(table)
                    shown = " ".join(f"{s}={table[s]['ratio_literal'] or 0:.2f}" for s in shapes)
                    print(f"run {i + 1} {name}: {shown}", flush=True)
    finally:
        server.terminate()
    print("\n" + summary(runs, shapes))


if __name__ == "__main__":
    main()
