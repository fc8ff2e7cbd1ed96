"""engine.alerting against a real SQLite file: a poll evaluates only the series it can
change, and the alerts table is written only when an alert's persisted part changes."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from tickerwatch.config import build
from tickerwatch.config.schema import AlertRuleSchema
from tickerwatch.core.model import Pair, PrintedRate, decimals_of
from tickerwatch.core.receivers import Notify, Webhook
from tickerwatch.core.settings import AlertRule, Source
from tickerwatch.core.snapshot import Rate, SourceState
from tickerwatch.engine.alerting import Alerting
from tickerwatch.store.sqlite import Store

T = TypeVar("T")
KZT, TMT = Pair("KZT", "USD"), Pair("TMT", "USD")
HOOK = Webhook("ops", "http://127.0.0.1:9/hook", True, 3600.0, 60.0, 5.0)


def rule(**kw: Any) -> AlertRule:
    return build.alert_rule(AlertRuleSchema.model_validate({"name": "Test", **kw}))


def source(name: str, **changes: Any) -> SourceState:
    src = Source(name, "http://x/", "timesca", re.compile("x"), (KZT,), 60, 0, 10, 1, 7200,
                 86400, ("24h",))  # fmt: skip
    return SourceState(replace(src, **changes), started_at=0.0, up=True, polls=1)


def show(state: SourceState, pair: Pair, rate: str, at: float) -> None:
    """The source's last poll printed `rate` for `pair` at `at`."""
    quote = PrintedRate(pair, Decimal(rate), Decimal(0), decimals_of(Decimal(rate)), 1)
    state.rates[pair] = Rate(state.source.name, quote, at, at, None, {})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Commits:
    """SQLite's data_version, seen from a connection of its own: it moves with every commit
    of another connection that changed the file, and only then."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path)

    def __call__(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])


def run(tmp_path: Path, body: Callable[[Store], Awaitable[T]]) -> T:
    async def main() -> T:
        store = await Store.open(tmp_path / "tw.db")
        try:
            return await body(store)
        finally:
            await store.close()

    return asyncio.run(main())


def rows(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT id, state FROM alerts"))


def outbox(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])


def test_polls_while_firing_write_nothing_until_a_transition(tmp_path: Path) -> None:
    """The value moves every poll while the alert fires; no row is rewritten for it."""
    db, clock = tmp_path / "tw.db", Clock()
    rules = (rule(pairs=["KZT/USD"], rate={"below": "0.00195"}),)
    a = source("a")
    states = {"a": a}

    async def body(store: Store) -> list[int]:
        alerting = Alerting(rules, Notify(webhooks=(HOOK,)), store, clock, "http://tw")
        commits = Commits(db)
        show(a, KZT, "0.00190", clock.now)
        await alerting.polled("a", states)  # fires: one row, one outbox row
        seen = [commits()]
        for rate in ("0.00189", "0.00188", "0.00190", "0.00187"):
            clock.now += 60
            show(a, KZT, rate, clock.now)
            assert await alerting.polled("a", states) == []
            await alerting.tick(states)
            seen.append(commits())
        assert alerting.active()[0].value == "0.00187"  # in memory, the value now
        clock.now += 60
        show(a, KZT, "0.00196", clock.now)
        await alerting.polled("a", states)  # resolved: written
        seen.append(commits())
        return seen

    seen = run(tmp_path, body)
    assert seen[:5] == [seen[0]] * 5, "a poll without a transition wrote the alerts table"
    assert seen[5] != seen[4]
    assert rows(db) == {"Test|a|KZT|USD": "resolved"}
    assert outbox(db) == 2  # firing and resolved, each with its state change


def test_a_poll_looks_only_at_its_own_source(tmp_path: Path) -> None:
    clock = Clock()
    rules = (rule(pairs=["KZT/USD"], rate={"below": "0.00195"}),)
    a, b = source("a"), source("b")
    states = {"a": a, "b": b}

    async def body(store: Store) -> None:
        alerting = Alerting(rules, Notify(), store, clock, "")
        show(a, KZT, "0.00190", clock.now)
        show(b, KZT, "0.00190", clock.now)
        await alerting.evaluate(states.values())
        assert [x.key.source for x in alerting.active()] == ["a", "b"]
        clock.now += 60
        show(b, KZT, "0.00196", clock.now)  # b's snapshot moved, but a was polled
        assert await alerting.polled("a", states) == []
        assert [x.key.source for x in alerting.active()] == ["a", "b"]
        (resolved,) = await alerting.polled("b", states)
        assert resolved.status == "resolved" and resolved.alert.key.source == "b"

    run(tmp_path, body)


def test_a_poll_of_a_reference_re_evaluates_the_deviations_that_use_it(tmp_path: Path) -> None:
    clock = Clock()
    rules = (rule(sources=["ticker"], pairs=["TMT/USD"], deviation={"above": "0.05"}),)
    ticker = source("ticker", pairs=(TMT,), references=("official",))
    official = source("official", pairs=())
    states = {"ticker": ticker, "official": official}
    show(ticker, TMT, "0.28490", clock.now)
    show(official, TMT, "0.28490", clock.now)

    async def body(store: Store) -> None:
        alerting = Alerting(rules, Notify(), store, clock, "")
        assert await alerting.polled("ticker", states) == []
        show(official, TMT, "0.33112", clock.now)  # 14% off the ticker now
        (fired,) = await alerting.polled("official", states)
        assert fired.alert.key.source == "ticker" and fired.status == "firing"

    run(tmp_path, body)


def test_the_timer_fires_for_and_stale_without_a_poll(tmp_path: Path) -> None:
    clock = Clock()
    rules = (
        rule(name="Low", pairs=["KZT/USD"], rate={"below": "0.00195"}, **{"for": "5m"}),
        rule(name="Old", stale={"after": "10m"}),
    )
    a = source("a")
    states = {"a": a}

    async def body(store: Store) -> None:
        alerting = Alerting(rules, Notify(), store, clock, "")
        show(a, KZT, "0.00190", clock.now)
        await alerting.polled("a", states)
        assert [(x.key.alertname, x.state) for x in alerting.active()] == [("Low", "pending")]
        clock.now += 301
        (fired,) = await alerting.tick(states)
        assert fired.alert.key.alertname == "Low"
        clock.now += 600
        (stale,) = await alerting.tick(states)
        assert stale.alert.key.alertname == "Old"

    run(tmp_path, body)


def test_a_restart_resumes_timers_fired_values_and_keep_firing_for(tmp_path: Path) -> None:
    """Pending keeps its `for` timer, firing its fired value; a clean stop (flush) also
    keeps when the condition last held, so `keep_firing_for` counts from there."""
    clock = Clock()
    low = rule(name="Low", pairs=["KZT/USD"], rate={"below": "0.00195"},
               **{"keep_firing_for": "10m"})  # fmt: skip
    slow = rule(name="Slow", pairs=["KZT/USD"], rate={"below": "0.00192"}, **{"for": "1h"})
    a = source("a")
    states = {"a": a}

    async def first(store: Store) -> None:
        alerting = Alerting((low, slow), Notify(), store, clock, "")
        show(a, KZT, "0.00193", clock.now)
        await alerting.polled("a", states)  # Low fires at 0.00193
        clock.now += 600
        show(a, KZT, "0.00191", clock.now)
        await alerting.polled("a", states)  # Slow pending from here
        await alerting.flush()

    async def second(store: Store) -> None:
        alerting = Alerting((low, slow), Notify(), store, clock, "")
        await alerting.load()
        by_name = {x.key.alertname: x for x in alerting.active()}
        assert by_name["Low"].annotations["value_fired"] == "0.00193"
        assert by_name["Low"].last_active == 1600.0
        assert by_name["Slow"].active_since == 1600.0
        clock.now = 1600.0 + 599  # the condition no longer holds, within keep_firing_for
        show(a, KZT, "0.00196", clock.now)
        assert await alerting.polled("a", states) == []
        assert [x.key.alertname for x in alerting.active()] == ["Low"]

    run(tmp_path, first)
    run(tmp_path, second)


def test_a_poll_that_changes_what_a_rule_reads_is_evaluated_in_full(tmp_path: Path) -> None:
    """Polls printing the same ticker look only at alerts with a state; a moved one at
    every rule again."""
    clock = Clock()
    rules = (rule(pairs=["KZT/USD"], rate={"below": "0.00195"}),)
    a = source("a")
    states = {"a": a}

    async def body(store: Store) -> None:
        alerting = Alerting(rules, Notify(), store, clock, "")
        for _ in range(3):
            clock.now += 60
            show(a, KZT, "0.00196", clock.now)
            assert await alerting.polled("a", states) == []
        show(a, KZT, "0.00194", clock.now)
        (fired,) = await alerting.polled("a", states)
        assert fired.status == "firing"

    run(tmp_path, body)


def test_keep_firing_for_runs_out_on_the_timer(tmp_path: Path) -> None:
    clock = Clock()
    rules = (rule(pairs=["KZT/USD"], rate={"below": "0.00195"}, keep_firing_for="5m"),)
    a = source("a")
    states = {"a": a}

    async def body(store: Store) -> None:
        alerting = Alerting(rules, Notify(), store, clock, "")
        show(a, KZT, "0.00190", clock.now)
        await alerting.polled("a", states)
        clock.now += 60
        show(a, KZT, "0.00196", clock.now)
        assert await alerting.polled("a", states) == []  # kept firing for 5m
        clock.now += 200
        assert await alerting.tick(states) == []
        clock.now += 101
        (resolved,) = await alerting.tick(states)
        assert resolved.status == "resolved"

    run(tmp_path, body)
