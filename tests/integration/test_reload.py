"""Reload by SIGHUP and POST /-/reload: a broken config keeps the old one running; a good
one adds and removes sources and rules without a restart, keeping history and alerts."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from support import pages
from support.httpserver import PageServer, with_etag
from support.pages import DEC_08, OLD_4
from support.service import Service, config_text, logged, sample, wait_for, with_fault

RULE = "alerts:\n  - {name: KZTLow, pairs: [KZT/USD], rate: {below: 0.002}}\n"
LIFECYCLE = 'web: {listen: "127.0.0.1:{port}", enable_lifecycle: true}'


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.page("/a", pages.list_items(DEC_08))
        server.page("/b", pages.list_items(OLD_4))
        yield server


def source(name: str, site: PageServer, path: str) -> str:
    return f"  - name: {name}\n    url: {site.url(path)}\n"


def write(svc: Service, text: str) -> None:
    svc.config.write_text(
        text.replace('web: {listen: "127.0.0.1:{port}"}', LIFECYCLE)
        .replace("{port}", str(svc.port))
        .replace("{db}", str(svc.db))
    )


def reload_ok(svc: Service) -> float | None:
    return sample(svc.metrics(), "tickerwatch_config_last_reload_successful")


def polls(svc: Service, source: str) -> float:
    return sample(svc.metrics(), "tickerwatch_source_polls_total", source=source) or 0


def events(svc: Service, name: str) -> list[str]:
    return [line for line in svc.log.read_text().splitlines() if f'"event": "{name}"' in line]


def failing_store(tmp_path: Path, site: PageServer) -> Service:
    """a (with a rule) runs; the history store fails every read of source b, as a failing
    disk would, so a reload that adds b fails while building b's state."""
    svc = Service(tmp_path, config_text(source("a", site, "/a"), RULE))
    write(svc, config_text(source("a", site, "/a"), RULE))
    return with_fault(svc, "support.faultystore", TICKERWATCH_FAIL_READS="b")


def test_a_broken_config_keeps_the_old_one_running(tmp_path: Path, site: PageServer) -> None:
    svc = Service(tmp_path, config_text(source("a", site, "/a"), RULE)).start()
    try:
        wait_for(lambda: svc.get("/api/v1/alerts").json()["alerts"], what="the alert")
        svc.config.write_text("sources: [{name: a, url: nowhere}]\n")
        assert svc.proc is not None
        svc.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: reload_ok(svc) == 0, what="the failed reload")
        polls = sample(svc.metrics(), "tickerwatch_source_polls_total", source="a") or 0
        wait_for(
            lambda: (
                (sample(svc.metrics(), "tickerwatch_source_polls_total", source="a") or 0)
                > polls + 1
            ),
            what="polling goes on",
        )
        assert [a["alertname"] for a in svc.get("/api/v1/alerts").json()["alerts"]] == ["KZTLow"]
        assert '"event": "reload_failed"' in svc.log.read_text()
        assert "sources[0].url" in svc.log.read_text()
    finally:
        svc.close()


def test_a_good_config_adds_and_removes_sources_and_rules(tmp_path: Path, site: PageServer) -> None:
    svc = Service(tmp_path, config_text(source("a", site, "/a"), RULE))
    write(svc, config_text(source("a", site, "/a"), RULE))
    svc.start()
    try:
        (alert,) = wait_for(lambda: svc.get("/api/v1/alerts").json()["alerts"], what="the alert")
        history = {"source": "a", "since": "0"}
        before = [
            (r["first_seen"], r["rate"])
            for r in svc.get("/api/v1/rates/history", params=history).json()["history"]
        ]
        faster_a = source("a", site, "/a").replace("/a\n", "/a\n    interval: 2s\n")
        write(svc, config_text(source("b", site, "/b") + faster_a, RULE))
        assert svc.client.post("/-/reload").text == "reloaded\n"
        assert reload_ok(svc) == 1
        wait_for(
            lambda: sample(svc.metrics(), "tickerwatch_exchange_rate", source="b", base="TJS"),
            what="the new source",
        )
        (kept,) = svc.get("/api/v1/alerts").json()["alerts"]
        assert (kept["state"], kept["active_since"]) == (alert["state"], alert["active_since"])
        after = [
            (r["first_seen"], r["rate"])
            for r in svc.get("/api/v1/rates/history", params=history).json()["history"]
        ]
        assert after[: len(before)] == before
        write(svc, config_text(source("b", site, "/b")))
        assert svc.client.post("/-/reload").status_code == 200
        assert svc.get("/api/v1/alerts").json()["alerts"] == []  # the rule is gone: resolved
        wait_for(
            lambda: sample(svc.metrics(), "tickerwatch_source_up", source="a") is None,
            what="a removed",
        )
        assert sample(svc.metrics(), "tickerwatch_source_polls_total", source="a") is None
        assert [s["name"] for s in svc.get("/api/v1/sources").json()["sources"]] == ["b"]
        write(svc, "sources: [{name: b, url: nowhere}]\n")
        failed = svc.client.post("/-/reload")
        assert failed.status_code == 500 and "sources[0].url" in failed.text
        assert reload_ok(svc) == 0
        assert [s["name"] for s in svc.get("/api/v1/sources").json()["sources"]] == ["b"]
    finally:
        svc.close()


def test_a_reload_that_fails_while_applying_changes_nothing(
    tmp_path: Path, site: PageServer
) -> None:
    svc = failing_store(tmp_path, site).start()
    try:
        wait_for(lambda: svc.get("/api/v1/alerts").json()["alerts"], what="the alert")
        write(svc, config_text(source("a", site, "/a") + source("b", site, "/b")))  # no rule
        failed = svc.client.post("/-/reload")
        assert failed.status_code == 500
        assert "disk I/O error (injected)" in failed.text
        assert reload_ok(svc) == 0
        (event,) = events(svc, "reload_failed")
        assert "disk I/O error (injected)" in event
        assert [s["name"] for s in svc.get("/api/v1/sources").json()["sources"]] == ["a"]
        assert [a["alertname"] for a in svc.get("/api/v1/alerts").json()["alerts"]] == ["KZTLow"]
        before = polls(svc, "a")
        wait_for(lambda: polls(svc, "a") > before + 1, what="a polling on")
        write(svc, config_text(source("a", site, "/a")))  # b's store is fine without b
        assert svc.client.post("/-/reload").status_code == 200
        assert reload_ok(svc) == 1
        assert svc.get("/api/v1/alerts").json()["alerts"] == []
    finally:
        svc.close()


def test_sighup_reports_a_failed_apply(tmp_path: Path, site: PageServer) -> None:
    svc = failing_store(tmp_path, site).start()
    try:
        write(svc, config_text(source("b", site, "/b")))  # a out, b in: b's restore fails
        assert svc.proc is not None
        svc.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: reload_ok(svc) == 0, what="the failed reload")
        (event,) = events(svc, "reload_failed")
        assert "disk I/O error (injected)" in event
        before = polls(svc, "a")
        wait_for(lambda: polls(svc, "a") > before + 1, what="a polling on")
        assert sample(svc.metrics(), "tickerwatch_source_up", source="b") is None
    finally:
        svc.close()


def test_a_reload_whose_notifiers_cannot_be_built_changes_nothing(
    tmp_path: Path, site: PageServer
) -> None:
    """The new notifiers are built before the old ones stop: when building fails, the old
    ones keep running and delivering, and nothing else of the new config applies."""
    with PageServer() as receiver:

        def notify(*names: str) -> str:
            hooks = ", ".join(f"{{name: {n}, url: '{receiver.url('/' + n)}'}}" for n in names)
            return f"{RULE}notify:\n  webhooks: [{hooks}]\n"

        svc = Service(tmp_path, config_text(source("a", site, "/a"), notify("ops")))
        write(svc, config_text(source("a", site, "/a"), notify("ops")))
        with_fault(svc, "support.faultybuild", TICKERWATCH_FAIL_BUILD="boom").start()
        try:
            wait_for(lambda: receiver.posted("/ops"), what="the firing notification")
            write(svc, config_text(source("a", site, "/a") + source("b", site, "/b"),
                                   notify("ops", "boom")))  # fmt: skip
            failed = svc.client.post("/-/reload")
            assert failed.status_code == 500 and "(injected)" in failed.text
            assert reload_ok(svc) == 0
            (event,) = logged(svc, "reload_failed")
            assert "cannot build the notifiers (injected)" in str(event["problems"])
            assert [s["name"] for s in svc.get("/api/v1/sources").json()["sources"]] == ["a"]
            (ops,) = svc.get("/api/v1/notifiers").json()["notifiers"]
            assert (ops["receiver"], ops["up"]) == ("ops", True)
            assert sample(svc.metrics(), "tickerwatch_notifier_up", receiver="ops") == 1
            site.page("/a", pages.list_items(OLD_4))  # KZT/USD 0.00227: KZTLow resolves
            wait_for(
                lambda: (
                    [p.json()["status"] for p in receiver.posted("/ops")] == ["firing", "resolved"]
                ),
                what="the old notifier delivering the resolution",
            )
            assert receiver.posted("/boom") == []
        finally:
            svc.close()


TICKER_304 = "• USD/UZS = 12,650 +0% • USD/KZT = 510 0%"


def marked(server: PageServer, mark: str) -> str:
    extra = f"    decimal_mark: '{mark}'\n"
    return config_text(f"  - name: s\n    url: {server.url('/page')}\n{extra}")


def uzs(svc: Service) -> str:
    rates = svc.get("/api/v1/rates").json()["rates"]
    return next((str(r["rate"]) for r in rates if r["pair"] == "USD/UZS"), "")


def test_a_reload_that_changes_how_a_page_is_read_reads_it_again(tmp_path: Path) -> None:
    """The server answers the last poll's ETag with 304. A reload fixing the source's
    decimal_mark drops the validators: the next poll gets the page and reads it anew."""
    with PageServer() as server:
        server.route("/page", with_etag(pages.page(f"<p>{TICKER_304}</p>").encode(), '"v1"'))
        svc = Service(tmp_path, marked(server, ","))
        write(svc, marked(server, ","))
        svc.start()
        try:
            wait_for(
                lambda: any(e["result"] == "not_modified" for e in logged(svc, "poll")),
                what="a poll answered 304",
            )
            assert uzs(svc) == "12.650"
            write(svc, marked(server, "."))
            assert svc.client.post("/-/reload").status_code == 200
            wait_for(lambda: uzs(svc) == "12650", what="the page read again with '.' decimals")
        finally:
            svc.close()


def test_a_poll_in_flight_during_the_reload_does_not_bring_the_old_validators_back(
    tmp_path: Path,
) -> None:
    """The reload lands while a conditional poll waits for its 304: that answer belongs to
    the old settings, so its ETag is not kept and the next poll reads the page anew."""
    page = with_etag(pages.page(f"<p>{TICKER_304}</p>").encode(), '"v1"')
    gate, waiting = threading.Event(), threading.Event()
    gate.set()

    def gated(req: BaseHTTPRequestHandler) -> None:
        if not gate.is_set() and req.headers.get("If-None-Match"):
            waiting.set()
            gate.wait(10)
        page(req)

    with PageServer() as server:
        server.route("/page", gated)
        svc = Service(tmp_path, marked(server, ","))
        write(svc, marked(server, ","))
        svc.start()
        try:
            wait_for(lambda: uzs(svc) == "12.650", what="the first reading")
            gate.clear()
            wait_for(waiting.is_set, what="a conditional poll in flight")
            write(svc, marked(server, "."))
            assert svc.client.post("/-/reload").status_code == 200
            gate.set()
            wait_for(lambda: uzs(svc) == "12650", what="the page read again with '.' decimals")
        finally:
            gate.set()
            svc.close()


def test_the_config_files_warnings_are_logged_at_start_and_reload(
    tmp_path: Path, site: PageServer
) -> None:
    jump = "alerts:\n  - {name: Jump, source_change: {above: 5}}\n"
    svc = Service(tmp_path, config_text(source("a", site, "/a"), jump)).start()
    try:
        wait_for(lambda: events(svc, "config_warning"), what="the warning at start")
        (warning,) = logged(svc, "config_warning")
        assert str(warning["problem"]).endswith(
            ": alerts[0].source_change.above: 5 means 500%; did you mean 0.05?"
        )
        assert svc.proc is not None
        svc.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: len(events(svc, "config_warning")) == 2, what="the warning again")
    finally:
        svc.close()


def test_a_reload_flood_keeps_the_schedule_and_a_new_url_is_read_at_once(
    tmp_path: Path, site: PageServer
) -> None:
    """20 reloads that change a source's settings but not its URL or timing poll nothing
    and leave next_poll where it was; a new URL is read at once, the grid kept."""
    hourly = config_text(source("a", site, "/a")).replace("interval: 1s", "interval: 1h")
    svc = Service(tmp_path, hourly)
    write(svc, hourly)
    svc.start()
    try:
        wait_for(lambda: site.hits("/a") == 1, what="the first poll")

        def next_poll() -> str:
            return str(svc.get("/api/v1/sources").json()["sources"][0]["next_poll"])

        planned = next_poll()
        for n in range(20):
            mark = "," if n % 2 else "."
            write(svc, hourly.replace("/a\n", f"/a\n    decimal_mark: '{mark}'\n"))
            assert svc.client.post("/-/reload").status_code == 200
        assert site.hits("/a") == 1 and polls(svc, "a") == 1
        assert next_poll() == planned
        write(svc, hourly.replace("/a\n", "/b\n"))
        assert svc.client.post("/-/reload").status_code == 200
        wait_for(lambda: site.hits("/b") == 1, what="the new URL read at once")
        assert next_poll() == planned
    finally:
        svc.close()
