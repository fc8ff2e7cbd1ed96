"""Cron sources in the real service: polled once at start, then registered for their next
slot in their time zone (seen through /api/v1/sources' next_poll and the landing page),
never stale for lack of polls between slots; a reload re-schedules a changed schedule and
leaves an unchanged one where it was."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from support import pages
from support.httpserver import PageServer, send
from support.pages import DEC_08
from support.service import Service, config_text, sample, wait_for
from tickerwatch.core.units import rfc3339

BISHKEK = ZoneInfo("Asia/Bishkek")
LIFECYCLE = 'web: {listen: "127.0.0.1:{port}", enable_lifecycle: true}'


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        for path in ("/feed", "/hourly", "/fast"):
            server.page(path, pages.list_items(DEC_08))
        yield server


def sources(
    site: PageServer, feed: str = "0 0 1 jan *", hourly: str = "1h", pairs: str = ""
) -> str:
    """feed: a cron source in Bishkek; hourly: an interval source (no jitter: exact times);
    fast: polled every second, a clock the test can wait on."""
    return (
        f"  - name: feed\n    url: {site.url('/feed')}\n    timezone: Asia/Bishkek\n"
        f"    schedule: '{feed}'\n    stale_after: 1s\n{pairs}"
        f"  - name: hourly\n    url: {site.url('/hourly')}\n    interval: {hourly}\n{pairs}"
        f"  - name: fast\n    url: {site.url('/fast')}\n"
    )


def write(svc: Service, text: str) -> None:
    svc.config.write_text(
        config_text(text)
        .replace('web: {listen: "127.0.0.1:{port}"}', LIFECYCLE)
        .replace("{port}", str(svc.port))
        .replace("{db}", str(svc.db))
    )


def next_slot(month: int) -> str:
    """The next 1st of `month`, 00:00 in Bishkek, as RFC 3339 UTC."""
    now = datetime.now(BISHKEK)
    slot = datetime(now.year, month, 1, tzinfo=BISHKEK)
    if slot <= now:
        slot = slot.replace(year=now.year + 1)
    return rfc3339(slot.timestamp())


def listed(svc: Service) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in svc.get("/api/v1/sources").json()["sources"]}


def polls(svc: Service, source: str) -> float:
    return sample(svc.metrics(), "tickerwatch_source_polls_total", source=source) or 0


def after_polls_of_fast(svc: Service, more: int) -> None:
    """Wait until `fast` has polled `more` more times: time has passed, with no sleep."""
    target = polls(svc, "fast") + more
    wait_for(lambda: polls(svc, "fast") >= target, what=f"{more} more polls of fast")


@pytest.fixture
def service(tmp_path: Path, site: PageServer) -> Iterator[Service]:
    svc = Service(tmp_path, config_text(sources(site)))
    write(svc, sources(site))
    try:
        yield svc.start()
    finally:
        svc.close()


def test_a_cron_source_is_polled_at_start_then_waits_for_its_slot(service: Service) -> None:
    wait_for(lambda: polls(service, "feed") == 1, what="the poll at start")
    after_polls_of_fast(service, 3)
    feed = listed(service)["feed"]
    assert polls(service, "feed") == 1  # the schedule's next slot is months away
    assert (feed["schedule"], feed["timezone"], feed["interval_seconds"]) == (
        "0 0 1 jan *", "Asia/Bishkek", None,
    )  # fmt: skip
    assert feed["next_poll"] == next_slot(1)  # jitter 0s: the slot itself
    assert feed["stale"] is False  # stale_after 1s, counted from that slot
    assert listed(service)["fast"]["interval_seconds"] == 1.0
    assert service.get("/healthz").json()["status"] == "ok"
    landing = service.get("/").text
    assert (
        f'cron &quot;0 0 1 jan *&quot; in Asia/Bishkek; next poll <time datetime="{next_slot(1)}"'
        in landing
    )


def test_a_reload_reschedules_a_changed_schedule_and_keeps_an_unchanged_one(
    service: Service, site: PageServer
) -> None:
    wait_for(lambda: polls(service, "hourly") == 1 == polls(service, "feed"), what="the starts")
    after_polls_of_fast(service, 3)  # a reload now would move a restarted grid's next poll
    before = listed(service)
    assert before["feed"]["next_poll"] == next_slot(1)

    write(service, sources(site, pairs="    pairs: [KGS/USD]\n"))  # not when they are polled
    assert service.client.post("/-/reload").status_code == 200
    after_polls_of_fast(service, 2)
    kept = listed(service)
    assert kept["feed"]["expected_pairs"] == kept["hourly"]["expected_pairs"] == ["KGS/USD"]
    assert [kept[n]["next_poll"] for n in ("feed", "hourly")] == [
        before[n]["next_poll"] for n in ("feed", "hourly")
    ]
    assert polls(service, "feed") == polls(service, "hourly") == 1  # no extra poll

    write(service, sources(site, feed="0 0 1 feb *", hourly="2h"))
    reloading = time.time()
    assert service.client.post("/-/reload").status_code == 200
    reloaded = time.time()
    moved = listed(service)
    assert moved["feed"]["next_poll"] == next_slot(2)
    hourly = datetime.fromisoformat(moved["hourly"]["next_poll"]).timestamp()
    assert reloading + 7200 - 1 <= hourly <= reloaded + 7200  # the new interval, from now


def test_a_failed_poll_is_retried_sooner_than_the_interval(tmp_path: Path) -> None:
    """interval 1h: the first two polls fail (404), the retries come 5 s and 10 s later,
    not an hour later; /api/v1/sources shows the retry as the next poll; once the page
    reads, the next poll is back on the hourly grid."""
    answers = iter([404, 404])
    body = pages.list_items(DEC_08).encode()

    def flaky(req: Any) -> None:
        status = next(answers, 200)
        send(req, status, body if status == 200 else b"gone", {"Content-Type": "text/html"})

    with PageServer() as server:
        server.route("/flaky", flaky)
        text = (
            f"  - name: flaky\n    url: {server.url('/flaky')}\n    interval: 1h\n"
            "    jitter: 0s\n    timeout: 2s\n"
        )
        svc = Service(tmp_path, config_text(text)).start()
        try:

            def next_poll() -> float:
                (source,) = svc.get("/api/v1/sources").json()["sources"]
                return datetime.fromisoformat(source["next_poll"]).timestamp()

            wait_for(lambda: server.hits("/flaky") >= 1, what="the first poll")
            wait_for(lambda: next_poll() < time.time() + 60, what="a retry as the next poll")
            wait_for(lambda: server.hits("/flaky") == 3, timeout=30, what="two retries")
            wait_for(lambda: svc.get("/healthz").json()["sources"][0]["up"], what="up")
            assert next_poll() > time.time() + 3000  # back on the hourly grid
        finally:
            svc.close()
