"""What an unchanged poll writes: a rate that did not move only moves its row's last_seen;
window statistics are recomputed every STATS_EVERY, not at every poll of a source polled
once a minute."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from support import pages
from support.httpserver import PageServer
from support.pages import DEC_08
from tickerwatch.config import load_settings
from tickerwatch.core.snapshot import SourceState
from tickerwatch.engine.poller import STATS_EVERY, Poller
from tickerwatch.fetch.client import Clients, Fetcher
from tickerwatch.metrics.registry import Metrics
from tickerwatch.store.sqlite import Store


def test_polls_a_minute_apart_move_last_seen_and_keep_the_statistics(tmp_path: Path) -> None:
    with PageServer() as site:
        site.page("/", pages.list_items(DEC_08))
        config = tmp_path / "tw.yaml"
        config.write_text(f"sources: [{{name: s, url: '{site.url('/')}', interval: 60s}}]\n")
        source = load_settings(config, environ={}).sources[0]
        now = [time.time()]

        async def polls() -> tuple[list[float], list[float]]:
            store = await Store.open(tmp_path / "h.db")
            state = SourceState(source, started_at=now[0])
            stats_at, last_seen = [], []
            try:
                async with Clients() as clients:
                    poller = Poller(Fetcher(clients), store, Metrics(lambda: [state], time.time),
                                    lambda: now[0])  # fmt: skip
                    for _ in range(4):
                        await poller.poll(state)
                        stats_at.append(state.stats_at)
                        rows = await store.latest("s")
                        last_seen.append(max(r.last_seen for r in rows))
                        now[0] += 61
            finally:
                await store.close()
            return stats_at, last_seen

        stats_at, last_seen = asyncio.run(polls())
    assert STATS_EVERY > 3 * 61
    assert len(set(stats_at)) == 1  # computed at the first poll only
    assert last_seen == sorted(last_seen) and len(set(last_seen)) == 4  # moved every poll
