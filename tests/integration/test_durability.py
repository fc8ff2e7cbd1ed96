"""SIGKILL at random moments during polls and notification delivery.

Every poll serves a new KZT/USD rate (so every good poll writes a history row) and flips
TMT/USD across an alert threshold (so every poll makes an alert transition and a webhook
notification). After the kills: the file is intact, every poll that was logged as stored
is in history exactly once and in order, and every transition that was logged reaches the
receiver, in order. Delivery is at least once: a kill between a POST and its outbox record
sends it again, and such a repeat carries the same Idempotency-Key and body, so a receiver
that drops repeats by key sees each transition exactly once.

TICKERWATCH_SOAK_KILLS sets the number of kills: 5 in `make test`, 50 in `make soak`.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import sqlite3
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from support import pages
from support.httpserver import PageServer, send
from support.pages import DEC_08, Line
from support.service import Service, config_text, logged, sample, wait_for

KILLS = int(os.environ.get("TICKERWATCH_SOAK_KILLS", "5"))


class MovingTicker:
    """A new KZT rate on every request; TMT alternates across 0.2855."""

    def __init__(self) -> None:
        self.counter = itertools.count()
        self.lock = threading.Lock()

    def __call__(self, req: BaseHTTPRequestHandler) -> None:
        with self.lock:
            n = next(self.counter)
        kzt = Decimal("0.00100") + Decimal("0.00001") * n
        tmt = "0.28600" if n % 2 else "0.28490"
        lines = []
        for x in DEC_08:
            if x.pair == "KZT/USD":
                x = Line(x.pair, str(kzt), "0")
            elif x.pair == "TMT/USD":
                x = Line(x.pair, tmt, "0")
            lines.append(x)
        send(req, 200, pages.list_items(tuple(lines)).encode(), {"Content-Type": "text/html"})


def test_sigkill_at_random_moments_loses_nothing_and_repeats_only_under_one_key(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261121)
    with PageServer() as site, PageServer() as receiver:
        site.route("/", MovingTicker())
        extra = (
            "alerts:\n  - {name: TMTHigh, pairs: [TMT/USD], rate: {above: 0.2855}}\n"
            "notify:\n"
            f"  webhooks: [{{name: ops, url: '{receiver.url('/hook')}', max_backoff: 1s}}]\n"
        )
        config = config_text(f"  - name: s\n    url: {site.url('/')}\n", extra).replace(
            "interval: 1s", "interval: 200ms"
        )
        svc = Service(tmp_path, config)
        try:
            for _ in range(KILLS):
                svc.start()
                time.sleep(rng.uniform(0.2, 1.5))  # a random moment: that is the point here
                assert svc.stop(signal.SIGKILL) == -signal.SIGKILL
                with sqlite3.connect(svc.db) as db:
                    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            svc.start()
            wait_for(
                lambda: (
                    sample(svc.metrics(), "tickerwatch_notification_queue_length", receiver="ops")
                    == 0
                ),
                timeout=30,
                what="drained outbox",
            )
            svc.stop(signal.SIGTERM)
        finally:
            svc.close()

        with sqlite3.connect(svc.db) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = [
                Decimal(r)
                for (r,) in db.execute("SELECT rate FROM history WHERE base='KZT' ORDER BY id")
            ]
            pending = (
                "SELECT idempotency_key FROM outbox WHERE delivered IS NULL AND dropped IS NULL"
            )
            queued = {k for (k,) in db.execute(pending)}
        assert stored == sorted(set(stored)), "history rows are unique and in order"
        polled = [
            Decimal(str(e["pairs"]["KZT/USD"])) for e in logged(svc, "poll") if e["result"] == "ok"
        ]  # type: ignore[index]
        assert len(polled) >= KILLS
        assert set(polled) <= set(stored), "every poll logged as done is in history"

        transitions = [str(e["key"]) for e in logged(svc, "alert")]
        received = [p.headers["Idempotency-Key"] for p in receiver.posts]
        # A transition made while the service stopped waits in the durable outbox for the next
        # start: logged means delivered, or still queued.
        assert transitions and set(transitions) <= set(received) | queued, "no transition lost"
        firsts = list(dict.fromkeys(received))
        bodies: dict[str, set[bytes]] = {}
        for post in receiver.posts:
            bodies.setdefault(post.headers["Idempotency-Key"], set()).add(post.body)
        assert all(len(b) == 1 for b in bodies.values()), "a repeat is the same notification"
        delivered = [k for k in firsts if k in transitions]
        assert delivered == transitions[: len(delivered)], "delivered once each, in order"
        assert set(transitions[len(delivered) :]) <= queued
        print(
            f"durability: {KILLS} kills, {len(polled)} polls logged, {len(stored)} history rows,"
            f" {len(transitions)} transitions logged, {len(firsts)} delivered,"
            f" {len(received) - len(firsts)} repeats dropped by Idempotency-Key"
        )
        statuses = [k.split("-")[1] for k in firsts]
        assert all(a != b for a, b in itertools.pairwise(statuses)), "firing and resolved alternate"


def test_sigterm_while_notifications_flow_exits_cleanly_every_time(tmp_path: Path) -> None:
    """Regression: a notifier woken at the moment it was cancelled kept running (Python
    3.11's wait_for swallowed the cancel) and shutdown hung."""
    with PageServer() as site, PageServer() as receiver:
        site.route("/", MovingTicker())
        extra = (
            "alerts:\n  - {name: TMTHigh, pairs: [TMT/USD], rate: {above: 0.2855}}\n"
            f"notify:\n  webhooks: [{{name: ops, url: '{receiver.url('/hook')}'}}]\n"
        )
        config = config_text(f"  - name: s\n    url: {site.url('/')}\n", extra)
        svc = Service(tmp_path, config.replace("interval: 1s", "interval: 100ms"))
        try:
            for round_ in range(5):
                svc.start()
                wait_for(lambda n=round_: len(receiver.posts) > n, what="a notification")  # type: ignore[misc]
                started = time.monotonic()
                assert svc.stop(signal.SIGTERM) == 0
                assert time.monotonic() - started < 6
        finally:
            svc.close()


def test_a_kill_between_the_post_and_its_record_resends_it_with_the_same_key(
    tmp_path: Path,
) -> None:
    """The worst moment: the receiver has the POST, tickerwatch dies before it hears the
    answer. Delivery is at least once: after the restart the same notification comes again,
    with the same Idempotency-Key and body, and then the outbox is empty: nothing lost."""
    with PageServer() as site, PageServer() as receiver:
        site.page("/", pages.list_items(DEC_08))
        extra = (
            "alerts:\n  - {name: AlwaysOn, pairs: [KZT/USD], rate: {above: 0}}\n"
            f"notify:\n  webhooks: [{{name: ops, url: '{receiver.url('/hook')}'}}]\n"
        )
        svc = Service(tmp_path, config_text(f"  - name: s\n    url: {site.url('/')}\n", extra))
        kills = iter([True])
        started = threading.Event()  # the first POST can come before start() sees readyz

        def kill_before_answering(req: BaseHTTPRequestHandler) -> None:
            if next(kills, False):
                started.wait(10)
                assert svc.proc is not None
                svc.proc.send_signal(signal.SIGKILL)
                req.close_connection = True
                return
            send(req, 200, b"{}")

        receiver.on_post("/hook", kill_before_answering)
        try:
            svc.start()
            started.set()
            wait_for(lambda: receiver.posts, what="the first POST")
            assert svc.proc is not None and svc.proc.wait(timeout=10) == -signal.SIGKILL
            svc.start()
            wait_for(
                lambda: (
                    sample(svc.metrics(), "tickerwatch_notifications_total", receiver="ops") == 1
                    and sample(
                        svc.metrics(), "tickerwatch_notification_queue_length", receiver="ops"
                    )
                    == 0
                ),
                what="the notification delivered after the restart, and the outbox empty",
            )
            first, again = receiver.posts
            assert again.headers["Idempotency-Key"] == first.headers["Idempotency-Key"]
            assert again.body == first.body and first.json()["status"] == "firing"
            assert svc.stop(signal.SIGTERM) == 0
        finally:
            svc.close()
        assert len(receiver.posts) == 2, "one repeat of the interrupted POST, nothing more"
