"""Where one source shape's poll spends its CPU: py-spy (PyPI `py-spy`) samples a process that
polls the shape's source (compare.py's SHAPES, built by the config loader) in a loop against
the page server, and the samples are grouped by library.

    .venv/bin/python benchmarks/profile_shape.py SHAPE [SHAPE …] [--seconds 20] [--rate 250]

Writes, per shape, benchmarks/flame/SHAPE.txt.gz (gzipped collapsed stacks, `py-spy
record --format raw --native --nolineno`: one `frame;frame;… count` per line, for
flamegraph.pl or speedscope) and benchmarks/flame/SHAPE.svg (a flame graph of a second
recording of the same loop right after the first: py-spy writes one format per recording),
and prints the CPU per poll (not
sampled, and while sampled), the share of samples per library (self: the innermost frame of
a library; total: any frame) and the top 15 frames by self and by total samples.

A sample's self frame is its innermost Python frame or native frame of a known library
(SQLite, lexbor in selectolax, the `re` and `regex` engines, lxml/libxml2); CPython's own C
frames between them are counted to the Python frame that called them. Idle samples (a
thread waiting) are not recorded. Needs ptrace: run as root, or allow it
(kernel.yama.ptrace_scope=0).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pageserver import served
from procstat import cpu_seconds

FLAME = Path(__file__).parent / "flame"
FRAME = re.compile(r"^(?P<name>.*) \((?P<where>[^()]*)\)$")
# Library of a frame, first match wins: (group, substrings of the frame's file or name).
LIBRARIES = (
    ("httpx/httpcore/anyio", ("/httpx/", "/httpcore/", "/anyio/", "/h11/", "/sniffio/")),
    ("selectolax", ("selectolax", "lxb_", "lexbor")),
    ("sqlite", ("/aiosqlite/", "/sqlite3/", "sqlite3", "pysqlite")),
    ("structlog", ("/structlog/",)),
    ("prometheus_client", ("/prometheus_client/",)),
    ("re/regex", ("/re/", "sre", "_regex", "/regex/")),
    ("lxml/jmespath", ("lxml", "libxml2", "/jmespath/")),
    ("json", ("/json/", "_json")),
    # the event loop, its socket writes (send), worker threads (to_thread, aiosqlite)
    ("asyncio/threads", ("/asyncio/", "/concurrent/", "threading.py", "selectors.py")),
)
# A sample is idle, not CPU, when its thread sits in a blocking call: py-spy's --native
# stacks do not drop these (a thread pool's worker waiting for work, the event loop in
# epoll_wait): its innermost frame is in libc and one of the last few is a wait.
WAITS = (
    "epoll_wait", "PyThread_acquire_lock_timed", "sem_wait", "sem_timedwait", "sem_clockwait",
    "pthread_cond_wait", "pthread_cond_timedwait", "pthread_cond_clockwait", "nanosleep",
    "select (libc", "poll (libc", "__futex_abstimed_wait",
)  # fmt: skip
CHILD = (
    "import asyncio, sys, profile_shape as p; asyncio.run(p.loop(sys.argv[1], int(sys.argv[2])))"
)


async def loop(shape: str, port: int) -> None:
    """Poll `shape`'s source for ever, as compare.py does; SIGUSR1 prints the poll count."""
    from compare import sources
    from tickerwatch import logs
    from tickerwatch.core.snapshot import SourceState
    from tickerwatch.engine.poller import Poller
    from tickerwatch.fetch.client import Clients, Fetcher
    from tickerwatch.metrics.registry import Metrics
    from tickerwatch.store.sqlite import Store

    logs.configure(json=True, stream=open(os.devnull, "w"))  # noqa: SIM115, ASYNC230, PTH123
    polls = 0
    asyncio.get_running_loop().add_signal_handler(
        signal.SIGUSR1, lambda: print(f"polls {polls}", flush=True)
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "p.db")
        async with Clients() as clients:
            (source,) = sources(f"http://127.0.0.1:{port}", Path(tmp), (shape,))
            state = SourceState(source, started_at=time.time())
            poller = Poller(Fetcher(clients), store, Metrics(lambda: [state], time.time), time.time)
            for _ in range(20):  # history filled, caches warm
                await poller.poll(state)
            assert state.up, state.last_error
            print("ready", flush=True)
            while True:
                await poller.poll(state)
                polls += 1


def idle(frames: list[str]) -> bool:
    """Whether a sample is a thread waiting (see WAITS)."""
    leaf = frames[-1]
    if not ("(libc.so" in leaf or "([vdso])" in leaf) or "trywait" in leaf:
        return False
    return any(w in f for f in frames[-4:] for w in WAITS)


def group(frame: str) -> str | None:
    """The library a frame belongs to; None for CPython's own C frames (transparent)."""
    match = FRAME.match(frame)
    name, where = (match["name"], "/" + match["where"]) if match else (frame, "")
    python = ".py:" in where or where.endswith(".py")
    if "profile_shape.py" in where or "<string>" in where:
        return None  # this benchmark's own loop
    if "/tickerwatch/" in where:
        parts = where.split("/tickerwatch/", 1)[1].split("/")[:-1]
        return ".".join(["tickerwatch", *parts[:2]])
    for library, needles in LIBRARIES:
        if any(n in where or (not python and n in name) for n in needles):
            return library
    return "other Python" if python else None


def short(frame: str) -> str:
    """A frame without its line number and with its file's path cut to the package."""
    match = FRAME.match(frame)
    if not match:
        return frame
    where = re.sub(r":\d+$", "", match["where"])
    where = re.sub(r"^.*/(site-packages|python3\.\d+|service)/", "", where)
    return f"{match['name']} ({where})"


def analyse(raw: Path) -> tuple[int, dict[str, collections.Counter[str]]]:
    """Samples in `raw` (idle ones left out), and Counters: self/total per library, and
    self/total per frame."""
    counts: dict[str, collections.Counter[str]] = {
        k: collections.Counter() for k in ("lib_self", "lib_total", "self", "total")
    }
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        if idle(frames):
            continue
        samples += n
        groups = [group(f) for f in frames]
        inner = next((i for i in reversed(range(len(frames))) if groups[i] is not None), None)
        counts["lib_self"][groups[inner] or "other" if inner is not None else "other"] += n
        counts["self"][short(frames[-1] if inner is None else frames[inner])] += n
        for lib in {g for g in groups if g is not None}:
            counts["lib_total"][lib] += n
        for frame in {short(f) for f, g in zip(frames, groups, strict=True) if g is not None}:
            counts["total"][frame] += n
    return samples, counts


def report(
    shape: str, samples: int, counts: dict[str, collections.Counter[str]], ms: tuple[float, float]
) -> str:
    """Markdown: per library (its share of the unsampled CPU per poll `ms[0]` too), then
    the top 15 frames by self and by total samples."""

    def pct(n: int) -> str:
        return f"{100 * n / max(samples, 1):.1f}%"

    lines = [
        f"### {shape}: {samples} CPU samples; CPU per poll {ms[0]:.2f} ms unsampled,"
        f" {ms[1]:.2f} ms while sampled",
        "",
        "| library | self | ≈ ms per poll | total |",
        "|---|---|---|---|",
    ]
    for lib, n in counts["lib_self"].most_common():
        share = ms[0] * n / max(samples, 1)
        lines.append(f"| {lib} | {pct(n)} | {share:.2f} | {pct(counts['lib_total'][lib])} |")
    for kind in ("self", "total"):
        left_out = "" if kind == "self" else " (the event loop's frames left out)"
        lines += ["", f"| top 15 by {kind}{left_out} | {kind} | library |", "|---|---|---|"]
        ranked = [(f, n) for f, n in counts[kind].most_common() if group(f) != "asyncio/threads"]
        for frame, n in counts[kind].most_common(15) if kind == "self" else ranked[:15]:
            where = group(frame)
            lines.append(f"| `{frame}` | {pct(n)} | {where or 'CPython'} |")
    return "\n".join(lines)


def record(shape: str, port: int, seconds: int, rate: int, spy: str) -> tuple[float, float]:
    """Record `shape`'s loop into FLAME; the loop's CPU ms per poll over 5 s before, not
    sampled, and while the raw recording ran (sampling costs the process some CPU)."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, shape, str(port)],
        cwd=Path(__file__).parent, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    try:
        if child.stdout.readline().strip() != "ready":
            raise SystemExit(f"{shape}: the polling loop did not start")
        polls, cpu = _count(child), cpu_seconds(child.pid)
        time.sleep(5)
        unsampled = (cpu_seconds(child.pid) - cpu) / max(_count(child) - polls, 1) * 1000
        polls, cpu = _count(child), cpu_seconds(child.pid)
        common = [
            "--pid",
            str(child.pid),
            "--duration",
            str(seconds),
            "--rate",
            str(rate),
            "--nolineno",
        ]
        raw, svg = FLAME / f"{shape}.txt", FLAME / f"{shape}.svg"
        subprocess.run([spy, "record", *common, "--native", "--format", "raw", "-o", str(raw)],
                       check=True, capture_output=True)  # fmt: skip
        polls, cpu = _count(child) - polls, cpu_seconds(child.pid) - cpu
        subprocess.run([spy, "record", *common, "--native", "--format", "flamegraph",
                        "-o", str(svg)], check=True, capture_output=True)  # fmt: skip
    finally:
        child.terminate()
        child.wait()
    return unsampled, cpu / max(polls, 1) * 1000


def _count(child: subprocess.Popen[str]) -> int:
    assert child.stdout is not None
    child.send_signal(signal.SIGUSR1)
    return int(child.stdout.readline().split()[1])


def main() -> None:
    from compare import SHAPES

    parser = argparse.ArgumentParser()
    parser.add_argument("shapes", nargs="+", choices=list(SHAPES))
    parser.add_argument("--seconds", type=int, default=20, help="per recording")
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    args = parser.parse_args()
    venv = Path(sys.executable).parent  # py-spy installed beside this Python first
    spy = shutil.which("py-spy", path=f"{venv}{os.pathsep}{os.environ.get('PATH', '')}")
    if spy is None:
        raise SystemExit("py-spy is missing: pip install -c constraints.txt -e '.[bench]'")
    FLAME.mkdir(exist_ok=True)
    with served() as port:
        for shape in args.shapes:
            ms = record(shape, port, args.seconds, args.rate, spy)
            raw = FLAME / f"{shape}.txt"
            samples, counts = analyse(raw)
            print(report(shape, samples, counts, ms) + "\n", flush=True)
            packed = raw.with_suffix(".txt.gz")  # about a tenth of the size, for the repo
            packed.write_bytes(gzip.compress(raw.read_bytes(), 9))
            raw.unlink()


if __name__ == "__main__":
    main()
