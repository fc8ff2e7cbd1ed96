"""The wall clock stepped under the real service (libfaketime, Debian `faketime`: the wall
clock moves by the offset in a file, the monotonic clock does not, as with a real step)."""

from __future__ import annotations

import time
from pathlib import Path

from support import pages
from support.httpserver import PageServer
from support.pages import DEC_08, Line
from support.service import Service, config_text, logged, sample, wait_for

LIBFAKETIME = sorted(str(p) for p in Path("/usr/lib").glob("*/faketime/libfaketimeMT.so.1"))
MOVED = tuple(Line(x.pair, "0.00185", "-5.6") if x.pair == "KZT/USD" else x for x in DEC_08)
RULE = "alerts:\n  - {name: KZTLow, pairs: [KZT/USD], rate: {below: 0.0019}, for: 5s}\n"


def clocked(tmp_path: Path, config: str) -> tuple[Service, Path]:
    """The service with its wall clock offset by the seconds in the file returned."""
    assert LIBFAKETIME, "libfaketime is missing: apt-get install faketime"
    offset = tmp_path / "offset"
    offset.write_text("+0\n")
    svc = Service(tmp_path, config)
    svc.env = {
        "LD_PRELOAD": LIBFAKETIME[0],
        "FAKETIME_TIMESTAMP_FILE": str(offset),
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_CACHE_DURATION": "1",
    }
    return svc, offset


def polls(svc: Service) -> float:
    return sample(svc.metrics(), "tickerwatch_source_polls_total", source="timesca") or 0


def test_polls_go_on_when_the_wall_clock_steps_back_an_hour(
    tmp_path: Path, site: PageServer
) -> None:
    svc, offset = clocked(tmp_path, config_text(f"  - name: timesca\n    url: {site.url('/')}\n"))
    svc.start()
    try:
        wait_for(lambda: polls(svc) >= 2, what="polls")
        offset.write_text("-3600\n")
        wait_for(lambda: logged(svc, "clock_stepped"), what="the step found")
        stepped = polls(svc)
        wait_for(lambda: polls(svc) >= stepped + 3, what="polls after the step")
        (event,) = logged(svc, "clock_stepped")
        assert -3610 < float(str(event["seconds"])) < -3590
        assert sample(svc.metrics(), "tickerwatch_clock_steps_total") == 1
        assert svc.get("/healthz").json()["status"] == "ok"
    finally:
        svc.close()


def test_an_hour_ahead_then_corrected_keeps_for_and_history_honest(
    tmp_path: Path, site: PageServer
) -> None:
    config = config_text(f"  - name: timesca\n    url: {site.url('/')}\n", RULE)
    svc, offset = clocked(tmp_path, config)
    svc.start()
    try:
        offset.write_text("+3600\n")
        wait_for(lambda: len(logged(svc, "clock_stepped")) == 1, what="ahead")
        site.page("/", pages.list_items(MOVED))  # the alert's condition starts to hold
        wait_for(lambda: svc.get("/api/v1/alerts").json()["alerts"], what="pending")
        offset.write_text("+0\n")  # corrected before `for` has passed
        wait_for(lambda: len(logged(svc, "clock_stepped")) == 2, what="corrected")
        wait_for(
            lambda: svc.get("/api/v1/alerts").json()["alerts"][0]["state"] == "firing",
            timeout=20, what="firing 5 s after the correction",
        )  # fmt: skip
        site.page("/", pages.list_items(DEC_08))  # a change after the correction
        seen = polls(svc)
        wait_for(lambda: polls(svc) >= seen + 8, what="8 polls")  # > 6 s: written, not touched
        until = str(time.time() + 7200)  # rows started while an hour ahead included
        rows = svc.get("/api/v1/rates/history", params={"pair": "KZT/USD", "until": until})
        rates = [r["rate"] for r in rows.json()["history"]]
        assert rates.count("0.00196") == 2, rates  # before the move, and once after it
    finally:
        svc.close()
