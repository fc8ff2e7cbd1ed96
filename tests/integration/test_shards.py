"""Three shards of one config of 30 sources against a local page server: each source polled
by exactly one shard, and the three /metrics together hold one unsharded run's rates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import pages
from support.httpserver import PageServer
from support.pages import DEC_08, Line
from support.service import Service, logged, wait_for
from tickerwatch.core.shard import hashmod

SOURCES = 30
SHARDS = 3
RATE_LINE = re.compile(r'^tickerwatch_exchange_rate\{[^}]*source="[^"]+"[^}]*\} \S+$', re.M)


def page_of(i: int) -> str:
    """Each source its own KGS/USD rate (0.01100 … 0.01129), so rates are told apart."""
    lines = tuple(Line(x.pair, f"0.01{100 + i}", "0") if x.pair == "KGS/USD" else x for x in DEC_08)
    return pages.spans(lines)


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        for i in range(SOURCES):
            server.page(f"/s{i:02d}", page_of(i))
        yield server


def config(site: PageServer) -> str:
    sources = "".join(
        f"  - {{name: src-{i:02d}, url: '{site.url(f'/s{i:02d}')}', pairs: [KGS/USD, KZT/USD]}}\n"
        for i in range(SOURCES)
    )
    return (
        'web: {listen: "127.0.0.1:{port}"}\nstorage: {path: {db}}\n'
        "defaults: {interval: 2s, jitter: 0s, timeout: 3s, stale_after: 1h, windows: [1h]}\n"
        f"sources:\n{sources}"
    )


def rate_lines(svc: Service) -> set[str]:
    return set(RATE_LINE.findall(svc.metrics()))


def polled(svc: Service) -> set[str]:
    return {str(e["source"]) for e in logged(svc, "poll")}


def test_three_shards_poll_each_source_once_and_together_export_the_unsharded_rates(
    tmp_path: Path, site: PageServer
) -> None:
    text = config(site)
    shards = []
    try:
        for i in range(SHARDS):
            (tmp_path / f"shard{i}").mkdir()
            svc = Service(tmp_path / f"shard{i}", text)
            svc.env = {"TICKERWATCH_SHARD": f"{i}/{SHARDS}"}
            shards.append(svc.start())
        wait_for(
            lambda: sum(len(rate_lines(s)) for s in shards) == len(DEC_08) * SOURCES,
            timeout=30, what="every source's rates in some shard",
        )  # fmt: skip
        sharded = [rate_lines(s) for s in shards]
        health = [s.get("/healthz").json() for s in shards]
        info = [s.metrics() for s in shards]
    finally:
        for svc in shards:
            svc.close()
    names = {f"src-{i:02d}" for i in range(SOURCES)}
    by_shard = [polled(s) for s in shards]
    for i, own in enumerate(by_shard):
        assert own == {n for n in names if hashmod(n, SHARDS) == i}, f"shard {i}"
        assert own, f"shard {i} polls nothing"
        assert (health[i]["shard"], health[i]["shards"]) == (i, SHARDS)
        assert {s["source"] for s in health[i]["sources"]} == own
        assert f'tickerwatch_shard_info{{replica="",shard="{i}",shards="3"}} 1.0' in info[i]
    assert sorted(n for own in by_shard for n in own) == sorted(names)  # none by two
    assert all(site.hits(f"/s{i:02d}") for i in range(SOURCES))
    union = set().union(*sharded)
    assert sum(len(s) for s in sharded) == len(union)  # no series in two shards

    (tmp_path / "whole").mkdir()
    whole = Service(tmp_path / "whole", text)
    try:
        whole.start()
        wait_for(
            lambda: len(rate_lines(whole)) == len(DEC_08) * SOURCES, timeout=30, what="every rate"
        )
        assert rate_lines(whole) == union
    finally:
        whole.close()


def test_a_cross_shard_reference_added_by_reload_is_warned_once(
    tmp_path: Path, site: PageServer
) -> None:
    def text(references: str) -> str:
        return (
            'web: {listen: "127.0.0.1:{port}", enable_lifecycle: true}\nstorage: {path: {db}}\n'
            "defaults: {interval: 1h, jitter: 0s, timeout: 3s}\nsources:\n"
            f"  - {{name: src-00, url: '{site.url('/s00')}', pairs: [KGS/USD]{references}}}\n"
            f"  - {{name: src-01, url: '{site.url('/s01')}', pairs: [KGS/USD]}}\n"
        )

    assert (hashmod("src-00", 2), hashmod("src-01", 2)) == (0, 1)
    svc = Service(tmp_path, text(""))
    svc.env = {"TICKERWATCH_SHARD": "0/2"}
    try:
        svc.start()
        referring = Service(tmp_path, text(", references: [src-01]"))
        svc.config.write_text(
            referring.config.read_text().replace(str(referring.port), str(svc.port))
        )
        for _ in range(2):  # a second reload of the same config says nothing new
            assert svc.client.post("/-/reload").text == "reloaded\n"
        warned = logged(svc, "reference_on_other_shard")
        assert [(e["source"], e["reference"]) for e in warned] == [("src-00", "src-01")]
    finally:
        svc.close()
