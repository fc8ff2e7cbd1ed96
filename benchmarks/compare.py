"""Side by side, same run: tickerwatch's CPU per poll for every source shape, and Prometheus
blackbox_exporter's CPU per probe of the same URL (Debian package), with two regex styles,
in alternating batches; and a naive httpx + BeautifulSoup poller, the baseline users would
write.

Shapes (SHAPES): each a source built by the real config loader from a YAML string, as a user
configures it, polled by a real `Poller` (fetch, read, de-duplicate, store, metrics, log):

- `*_moved`: the ticker's rates change on every request, so every poll reads, stores and
  updates metrics; `*_unchanged`: the page changes on every request but its ticker does not;
- `builtin_pairs_*`: the built-in `timesca` format with `pairs:`; `builtin_nopairs_*`: the
  same page without `pairs:`; `pattern_*`: the same page read with a custom `pattern:`;
  `text_plain_*`: a ≈180 KB text/plain page, built-in format, with `pairs:`;
- `feed`: the Central Bank of Uzbekistan's real JSON feed (format `cbu`), its rates changed
  on every request; `feed_unchanged`: the same feed as recorded, the same body every poll
  (a real feed between its daily updates); `not_modified`: a 304 (the page's ETag sent
  back).

blackbox_exporter probes each shape's URL (for `not_modified` the same page, which it gets
as a 200: it sends no conditional requests) with one module per regex style and body kind:
`literal`, the regex a user types, starting with the pair's literal text (`KGS/USD…`), and
`class`, starting with a character class (`[A-Z]{3}/[A-Z]{3}…`), which Go's regexp must try
at every byte. Shapes on the same URL share its probes' figures.

CPU: tickerwatch's is this process's time around its batches (worker threads included);
blackbox_exporter's is its process's, from /proc. The page server is a process of its own.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import httpx
from bs4 import BeautifulSoup

from procstat import cpu_seconds
from tickerwatch.config import load_settings
from tickerwatch.core.model import Pair
from tickerwatch.core.settings import Source
from tickerwatch.core.snapshot import SourceState
from tickerwatch.engine.poller import Poller
from tickerwatch.fetch.client import Clients, Fetcher
from tickerwatch.metrics.registry import Metrics
from tickerwatch.store.sqlite import Store

PAIRS = tuple(Pair.parse(p) for p in ("KGS/USD", "KZT/USD", "TJS/USD", "UZS/USD", "TMT/USD"))
ENTRY = re.compile(r"([A-Z]{3})/([A-Z]{3})\s*=\s*([\d.]+)\s+(-?[\d.]+)%")
Body = Literal["html", "text", "feed"]
STYLES: Final = ("literal", "class")
REGEXES: Final[dict[Body, dict[str, str]]] = {
    "html": {"literal": r"KGS/USD</span> = <span>[0-9.]+",
             "class": r"[A-Z]{3}/[A-Z]{3}</span> = <span>[0-9.]+</span>"},
    "text": {"literal": r"KGS/USD = [0-9.]+", "class": r"[A-Z]{3}/[A-Z]{3} = [0-9.]+"},
    "feed": {"literal": r'"Ccy":"USD",[^}]*"Rate":"[0-9.]+"',
             "class": r'"Ccy":"[A-Z]{3}",[^}]*"Rate":"[0-9.]+"'},
}  # fmt: skip
PATTERN: Final = r"(?P<base>[A-Z]{3})/(?P<quote>USD) = (?P<rate>[\d.]+) (?P<change>[-+]?[\d.]+)%"
TICKER_PAIRS: Final = "[KGS/USD, KZT/USD, TJS/USD, UZS/USD, TMT/USD]"
FEED_PAIRS: Final = "[USD/UZS, KGS/UZS, KZT/UZS, TJS/UZS, TMT/UZS]"  # config/tickerwatch.yaml's


@dataclass(frozen=True, slots=True)
class Shape:
    """A source shape: its page server path, the YAML keys of its source besides name and
    url, the kind of body blackbox_exporter matches, whether every measured poll must give a
    new reading (`reads`: True for a moved ticker, False for a 304, None when it is the
    code's business: an unchanged ticker), and the ratio to blackbox's literal probe to
    meet (`target`)."""

    path: str
    keys: str
    body: Body
    reads: bool | None
    target: float


SHAPES: Final = {
    "builtin_pairs_moved": Shape("moving", f"pairs: {TICKER_PAIRS}", "html", True, 1.0),
    "builtin_nopairs_moved": Shape("moving", "format: timesca", "html", True, 1.0),
    "pattern_moved": Shape("moving", f"pattern: '{PATTERN}'", "html", True, 1.0),
    "text_plain_moved": Shape("text-moving", f"pairs: {TICKER_PAIRS}", "text", True, 1.0),
    "feed": Shape("feed-moving", f"format: cbu\n    pairs: {FEED_PAIRS}", "feed", True, 1.0),
    "builtin_pairs_unchanged": Shape("page", f"pairs: {TICKER_PAIRS}", "html", None, 0.5),
    "builtin_nopairs_unchanged": Shape("page", "format: timesca", "html", None, 0.5),
    "pattern_unchanged": Shape("page", f"pattern: '{PATTERN}'", "html", None, 0.5),
    "text_plain_unchanged": Shape("text", f"pairs: {TICKER_PAIRS}", "text", None, 0.5),
    "feed_unchanged": Shape("feed", f"format: cbu\n    pairs: {FEED_PAIRS}", "feed", None, 0.5),
    "not_modified": Shape("etag", f"pairs: {TICKER_PAIRS}", "html", False, 0.5),
}


def sources(base: str, workdir: Path, shapes: tuple[str, ...] = tuple(SHAPES)) -> list[Source]:
    """The shapes' sources, built from a config file by the real loader."""
    lines = [
        'web: {listen: "127.0.0.1:10049"}',
        f"storage: {{path: {workdir / 'unused.db'}}}",
        "sources:",
    ]
    for name in shapes:
        shape = SHAPES[name]
        lines += [f"  - name: {name}", f"    url: {base}/{shape.path}", f"    {shape.keys}"]
    config = workdir / "bench.yaml"
    config.write_text("\n".join(lines) + "\n")
    return list(load_settings(config, environ={}).sources)


class _Tickerwatch:
    """One poller over one source, polled in batches; CPU is this process's time."""

    def __init__(self, state: SourceState, poller: Poller) -> None:
        self.state, self.poller = state, poller
        self.reads = SHAPES[state.source.name].reads
        self.cpu = self.wall = 0.0
        self.polls = self.readings = 0

    async def batch(self, n: int, measured: bool = True) -> None:
        state, fresh = self.state, 0
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            last = state.last_result
            await self.poller.poll(state)
            fresh += state.last_result is not last
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert state.up, state.last_error
        if measured:
            self.cpu, self.wall, self.polls = self.cpu + cpu, self.wall + wall, self.polls + n
            self.readings += fresh
            if self.reads is not None:  # the shape is what it says
                assert fresh == (n if self.reads else 0), f"{state.source.name}: {fresh} of {n}"


class _Blackbox:
    """blackbox_exporter with a module per body kind and regex style (`html_literal` …);
    CPU is its process's time, from /proc."""

    def __init__(self, binary: str, port: int, workdir: Path) -> None:
        config = workdir / "blackbox.yml"
        modules = [
            f"  {body}_{style}:\n    prober: http\n    timeout: 10s\n    http:\n"
            f"      fail_if_body_not_matches_regexp: ['{regex}']\n"
            for body, styles in REGEXES.items()
            for style, regex in styles.items()
        ]
        config.write_text("modules:\n" + "".join(modules))
        self.proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.probe = f"http://127.0.0.1:{port}/probe"
        self.client = httpx.Client(timeout=10)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.get(f"http://127.0.0.1:{port}/-/healthy")
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def check(self, module: str, url: str) -> None:
        body = self.client.get(self.probe, params={"module": module, "target": url}).text
        assert "probe_success 1" in body, f"{module} {url}: {body[-500:]}"

    def batch(self, module: str, url: str, n: int) -> float:
        """CPU seconds of `n` probes of `url` with `module`."""
        params = {"module": module, "target": url}
        before = cpu_seconds(self.proc.pid)
        for _ in range(n):
            self.client.get(self.probe, params=params)
        return cpu_seconds(self.proc.pid) - before

    def close(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait()


@dataclass
class _Probes:
    """blackbox_exporter's probes of one URL with one module, summed over batches."""

    module: str
    url: str
    cpu: float = 0.0
    probes: int = 0


async def side_by_side(
    port: int, free: int, rounds: int, batch: int, shapes: tuple[str, ...] = tuple(SHAPES)
) -> dict[str, float | None]:
    """Every shape's tickerwatch polls and blackbox_exporter's probes (both regex styles) in
    alternating batches of `batch`, `rounds` times, the order rotated each round, so the
    machine's slow and fast spells fall on all of them alike. Keys: `{shape}_tickerwatch_ms`
    (CPU per poll), `{shape}_tickerwatch_wall_ms`, `{shape}_readings_per_poll` (the share
    of polls that read the body anew), `{shape}_blackbox_{style}_ms` (CPU per probe of the
    shape's URL; None without blackbox_exporter)."""
    base = f"http://127.0.0.1:{port}"
    binary = shutil.which("prometheus-blackbox-exporter") or shutil.which("blackbox_exporter")
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "b.db")
        blackbox = None if binary is None else _Blackbox(binary, free, Path(tmp))
        try:
            async with Clients() as clients:
                built = sources(base, Path(tmp), shapes)
                states = [SourceState(s, started_at=time.time()) for s in built]
                metrics = Metrics(lambda: states, time.time)
                poller = Poller(Fetcher(clients), store, metrics, time.time)
                runs = {s.source.name: _Tickerwatch(s, poller) for s in states}
                probes = _probes(blackbox, base, shapes)
                for run in runs.values():
                    await run.batch(2, measured=False)  # a 200 that fills history, then one more
                jobs = [*runs, *probes]
                for r in range(rounds):
                    for job in jobs[r % len(jobs) :] + jobs[: r % len(jobs)]:
                        if job in runs:
                            await runs[job].batch(batch)
                        else:
                            assert blackbox is not None
                            p = probes[job]
                            p.cpu += blackbox.batch(p.module, p.url, batch)
                            p.probes += batch
        finally:
            if blackbox is not None:
                blackbox.close()
            await store.close()
    results: dict[str, float | None] = {}
    for name, run in runs.items():
        results[f"{name}_tickerwatch_ms"] = run.cpu / run.polls * 1000
        results[f"{name}_tickerwatch_wall_ms"] = run.wall / run.polls * 1000
        results[f"{name}_readings_per_poll"] = run.readings / run.polls
        for style in STYLES:
            probe = probes.get(_key(SHAPES[name], style))
            ms = None if probe is None else probe.cpu / probe.probes * 1000
            results[f"{name}_blackbox_{style}_ms"] = ms
    return results


def _key(shape: Shape, style: str) -> str:
    return f"{shape.path} {shape.body}_{style}"


def _probes(blackbox: _Blackbox | None, base: str, shapes: tuple[str, ...]) -> dict[str, _Probes]:
    """One probe kind per URL and module the shapes need, each checked to succeed once."""
    probes: dict[str, _Probes] = {}
    if blackbox is None:
        return probes
    for name in shapes:
        shape = SHAPES[name]
        for style in STYLES:
            key = _key(shape, style)
            if key not in probes:
                probes[key] = _Probes(f"{shape.body}_{style}", f"{base}/{shape.path}")
                blackbox.check(probes[key].module, probes[key].url)
    return probes


def ratios(side: dict[str, float | None]) -> dict[str, dict[str, float | None]]:
    """Per shape: tickerwatch's CPU per poll, blackbox's per probe (both styles), the ratios
    to each, the target (to the literal probe) and whether it is met; None without
    blackbox_exporter."""
    table: dict[str, dict[str, float | None]] = {}
    for name, shape in SHAPES.items():
        ms = side.get(f"{name}_tickerwatch_ms")
        if ms is None:
            continue
        row: dict[str, float | None] = {"tickerwatch_ms": ms, "target": shape.target}
        for style in STYLES:
            probe = side.get(f"{name}_blackbox_{style}_ms")
            row[f"blackbox_{style}_ms"] = probe
            row[f"ratio_{style}"] = None if not probe else ms / probe
        literal = row["ratio_literal"]
        row["met"] = None if literal is None else float(literal <= shape.target)
        table[name] = row
    return table


def markdown(side: dict[str, float | None]) -> str:
    """The per-shape table of `ratios(side)`, with its notes, in Markdown."""
    lines = [
        "| shape | tickerwatch CPU ms | blackbox literal ms | blackbox class ms | ratio to literal"
        " | ratio to class | target | met? |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def cell(value: float | None, digits: int) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    for name, row in ratios(side).items():
        met = {None: "–", 1.0: "yes", 0.0: "**no**"}[row["met"]]
        lines.append(
            f"| {name} | {cell(row['tickerwatch_ms'], 2)} | {cell(row['blackbox_literal_ms'], 2)}"
            f" | {cell(row['blackbox_class_ms'], 2)} | {cell(row['ratio_literal'], 2)}"
            f" | {cell(row['ratio_class'], 2)} | ≤{row['target']:.1f}× | {met} |"
        )
    reread = [
        f"{name} {side[f'{name}_readings_per_poll']:.0%}"
        for name, shape in SHAPES.items()
        if shape.reads is None and f"{name}_readings_per_poll" in side
    ]
    lines += [
        "",
        "CPU per poll (tickerwatch) and per probe (blackbox_exporter), in alternating batches;"
        " ratios to the literal-prefix regex are the targets'. not_modified: tickerwatch's"
        " poll is answered 304; blackbox_exporter sends no conditional requests, so its probe"
        " of the same URL gets the full 200 page. Unchanged shapes whose body was read anew"
        " (share of polls): " + (", ".join(reread) or "–") + ".",
    ]
    return "\n".join(lines)


def naive_cpu(url: str, rounds: int) -> float:
    with httpx.Client() as client:
        cpu = time.process_time()
        for _ in range(rounds):
            text = BeautifulSoup(client.get(url).text, "html.parser").get_text(" ")
            assert len(ENTRY.findall(text)) >= 5
        return (time.process_time() - cpu) / rounds


def compare(port: int, free: int, rounds: int = 8, batch: int = 40) -> dict[str, float | None]:
    results = asyncio.run(side_by_side(port, free, rounds, batch))
    results["naive_ms"] = naive_cpu(f"http://127.0.0.1:{port}/page", 30) * 1000
    return results
