"""A central bank's feed polled by the real service: a dated URL, the body's own date as
the rate's effective date (metric, API, history), a body older than what is recorded
(`stale`, not a change), a nominal that changes, and a feed whose date is long past.
The bodies are the recorded CBT response with its date (and one nominal) changed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from support.httpserver import PageServer, send
from support.service import Service, config_text, logged, sample, wait_for

CBT = Path(__file__).resolve().parents[1] / "fixtures" / "feeds" / "cbt_kurs_2026_20052026.xml"
ZONE = "Asia/Ashgabat"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
USD = {"source": "cbt", "base": "USD", "quote": "TMT"}
JPY = {"source": "cbt", "base": "JPY", "quote": "TMT"}


def body(day: date, jpy_per: int = 100) -> bytes:
    """The recorded CBT file dated `day`; JPY quoted per `jpy_per` yen (the same rate)."""
    data = CBT.read_bytes().replace(
        b"<date>20.05.2026</date>", f"<date>{day:%d.%m.%Y}</date>".encode()
    )
    if jpy_per != 100:
        old = b"<multiplier>100</multiplier>\r\n\t\t<rate_tmt>2.1995</rate_tmt>"
        assert old in data
        value = 2.1995 * jpy_per / 100
        new = f"<multiplier>{jpy_per}</multiplier>\r\n\t\t<rate_tmt>{value:.4f}</rate_tmt>".encode()
        data = data.replace(old, new)
    return data


def midnight(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(ZONE)).timestamp()


class Feed:
    """What the local CBT serves at every dated path around today."""

    def __init__(self, site: PageServer, content: bytes) -> None:
        self.content, self.content_type = content, "text/xml"
        today = datetime.now(ZoneInfo(ZONE)).date()
        self.paths = [
            f"/kurs/{d:%Y}/{d:%d%m%Y}.xml"
            for d in (today - timedelta(1), today, today + timedelta(1))
        ]
        for path in self.paths:
            site.route(
                path, lambda r: send(r, 200, self.content, {"Content-Type": self.content_type})
            )


@pytest.fixture
def today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


@pytest.fixture
def feed(site: PageServer, today: date) -> Feed:
    return Feed(site, body(today))


@pytest.fixture
def cbt(tmp_path: Path, site: PageServer, feed: Feed) -> Iterator[Service]:
    sources = (
        f"  - name: cbt\n    url: {site.base}/kurs/%Y/%d%m%Y.xml\n    format: cbt\n"
        f"    timezone: {ZONE}\n    stale_after: 4d\n    pairs: [USD/TMT, KGS/TMT]\n"
    )
    svc = Service(tmp_path, config_text(sources))
    try:
        yield svc.start()
    finally:
        svc.close()


def metric(svc: Service, name: str, labels: dict[str, str] = USD) -> float | None:
    return sample(svc.metrics(), name, **labels)


def history(svc: Service, pair: str) -> list[dict[str, object]]:
    query = {"source": "cbt", "pair": pair, "since": "0"}
    rows: list[dict[str, object]] = svc.get("/api/v1/rates/history", params=query).json()["history"]
    return rows


def polls(svc: Service) -> int:
    return len(logged(svc, "poll"))


def next_polls(svc: Service, count: int = 2) -> None:
    """Wait until `count` more polls have been logged."""
    seen = polls(svc)
    wait_for(lambda: polls(svc) >= seen + count, what=f"{count} more polls")


def test_a_dated_feed_is_fetched_at_todays_url_and_dated_by_its_body(
    cbt: Service, site: PageServer, feed: Feed, today: date
) -> None:
    effective = "tickerwatch_exchange_rate_effective_timestamp_seconds"
    assert wait_for(lambda: metric(cbt, effective) == midnight(today), what="effective date")
    assert metric(cbt, "tickerwatch_exchange_rate") == 3.5
    assert sum(site.hits(p) for p in feed.paths) >= 1
    first = logged(cbt, "poll")[0]
    assert first["result"] == "ok" and str(first["url"]).endswith(f"/{today:%d%m%Y}.xml")
    assert first["effective"] == _iso(midnight(today))
    source = cbt.get("/api/v1/sources").json()["sources"][0]
    assert source["url"].endswith("/kurs/%Y/%d%m%Y.xml")  # the template, not today's URL
    rates = {r["pair"]: r for r in cbt.get("/api/v1/rates").json()["rates"]}
    assert rates["USD/TMT"]["rate"] == "3.5000"
    assert rates["USD/TMT"]["change_pct"] is None and rates["USD/TMT"]["change_abs"] is None
    assert rates["USD/TMT"]["effective"] == _iso(midnight(today))  # 19:00Z the day before
    assert "tickerwatch_exchange_rate_source_change_ratio{" not in cbt.metrics()

    next_polls(cbt)  # the same body again: no new history row
    assert len(history(cbt, "USD/TMT")) == 1

    feed.content = body(today + timedelta(1))  # the next day's file, the same rates
    wait_for(lambda: metric(cbt, effective) == midnight(today + timedelta(1)), what="next day")
    rows = history(cbt, "USD/TMT")
    assert [r["rate"] for r in rows] == ["3.5000", "3.5000"]  # keyed on the body's date
    assert rows[0]["effective"] != rows[1]["effective"]
    assert metric(cbt, "tickerwatch_exchange_rate_changed_timestamp_seconds") == pytest.approx(
        _first_seen(rows[0])
    )


def _first_seen(row: dict[str, object]) -> float:
    return datetime.fromisoformat(str(row["first_seen"]).replace("Z", "+00:00")).timestamp()


def test_a_body_older_than_the_recorded_one_is_stale_not_a_change(
    cbt: Service, feed: Feed, today: date
) -> None:
    effective = "tickerwatch_exchange_rate_effective_timestamp_seconds"
    feed.content = body(today + timedelta(1))
    wait_for(lambda: metric(cbt, effective) == midnight(today + timedelta(1)), what="newest day")
    stale = "tickerwatch_source_stale_polls_total"
    assert metric(cbt, stale, {"source": "cbt"}) == 0
    # The first poll may have read today's file before the switch: one row or two.
    recorded = len(history(cbt, "USD/TMT"))

    feed.content = body(today)  # a server answering with yesterday's file
    wait_for(lambda: (metric(cbt, stale, {"source": "cbt"}) or 0) >= 2, what="stale polls")
    assert metric(cbt, effective) == midnight(today + timedelta(1))  # not rewritten
    assert len(history(cbt, "USD/TMT")) == recorded  # nothing stored from a stale body
    assert metric(cbt, "tickerwatch_source_up", {"source": "cbt"}) == 1
    event = next(e for e in logged(cbt, "poll") if e["result"] == "stale")
    assert (event["level"], event["effective"], event["newest"]) == (
        "warning",
        _iso(midnight(today)),
        _iso(midnight(today + timedelta(1))),
    )
    source = cbt.get("/api/v1/sources").json()["sources"][0]
    assert source["stale_polls"] >= 2 and source["effective"] == _iso(
        midnight(today + timedelta(1))
    )

    feed.content = body(today + timedelta(1))  # back to the newest: ok again, no new row
    seen = len(logged(cbt, "poll"))
    wait_for(lambda: any(e["result"] == "ok" for e in logged(cbt, "poll")[seen:]), what="ok poll")
    assert len(history(cbt, "USD/TMT")) == recorded


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_feeds_metrics_pass_promtool(cbt: Service) -> None:
    wait_for(lambda: metric(cbt, "tickerwatch_exchange_rate"), what="first rate")
    check = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=cbt.get("/metrics").content, capture_output=True,
        timeout=30,
    )  # fmt: skip
    assert (check.returncode, check.stdout, check.stderr) == (0, b"", b"")


def test_a_nominal_change_keeps_the_rate_per_unit(cbt: Service, feed: Feed, today: date) -> None:
    wait_for(lambda: metric(cbt, "tickerwatch_exchange_rate", JPY) == 0.021995, what="JPY")
    changed = metric(cbt, "tickerwatch_exchange_rate_changed_timestamp_seconds", JPY)
    feed.content = body(today + timedelta(1), jpy_per=1000)  # 21.9950 per 1000 yen
    effective = "tickerwatch_exchange_rate_effective_timestamp_seconds"
    wait_for(lambda: metric(cbt, effective, JPY) == midnight(today + timedelta(1)), what="new day")
    assert metric(cbt, "tickerwatch_exchange_rate", JPY) == 0.021995  # not a 10x move
    assert metric(cbt, "tickerwatch_exchange_rate_changed_timestamp_seconds", JPY) == changed
    assert metric(cbt, "tickerwatch_exchange_rate_previous", JPY) is None
    rows = history(cbt, "JPY/TMT")
    assert [r["rate"] for r in rows] == ["0.021995", "0.0219950"]  # one more decimal printed
    assert metric(cbt, "tickerwatch_exchange_rate_resolution", JPY) == 1e-7


def test_an_html_page_in_place_of_the_feed_is_a_failed_poll(cbt: Service, feed: Feed) -> None:
    wait_for(lambda: metric(cbt, "tickerwatch_exchange_rate"), what="first rate")
    feed.content, feed.content_type = b"<html><title>Not found</title></html>", "text/html"
    failures = {"source": "cbt", "reason": "no_ticker"}
    name = "tickerwatch_source_poll_failures_total"
    wait_for(lambda: (metric(cbt, name, failures) or 0) >= 1, what="no_ticker failure")
    assert metric(cbt, "tickerwatch_exchange_rate") == 3.5  # the last good rate stays
    error = cbt.get("/api/v1/sources").json()["sources"][0]["last_error"]
    assert error == "an HTML page, not the feed (title 'Not found')"


def test_a_feed_dated_long_ago_makes_its_source_stale(tmp_path: Path, site: PageServer) -> None:
    Feed(site, body(date(2001, 3, 2)))
    sources = (
        f"  - name: cbt\n    url: {site.base}/kurs/%Y/%d%m%Y.xml\n    format: cbt\n"
        f"    timezone: {ZONE}\n    stale_after: 4d\n"
    )
    svc = Service(tmp_path, config_text(sources))
    try:
        svc.start()
        wait_for(lambda: metric(svc, "tickerwatch_exchange_rate"), what="first rate")
        health = svc.get("/healthz").json()
        (src,) = health["sources"]
        assert (src["up"], src["stale"], src["effective_unix"]) == (
            True,
            True,
            midnight(date(2001, 3, 2)),
        )
        assert health["status"] == "failing"
    finally:
        svc.close()
