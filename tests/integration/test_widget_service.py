"""Another site's widget, read by config alone: the service exports it like any ticker, and
`tickerwatch parse` explains which groups the pattern matched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.httpserver import PageServer
from support.service import Service, config_text, sample, wait_for

WIDGET = "<ul><li>USD 87.45 -6.38</li><li>EUR 101.51 +0.12</li></ul><p>Filler of our own.</p>"
PATTERN = r"(?P<base>[A-Z]{3}) (?P<rate>\d+\.\d+) (?P<change>[-+]\d+\.\d+)"


def test_a_widget_with_a_fixed_quote_and_an_absolute_change_is_exported(tmp_path: Path) -> None:
    with PageServer() as site:
        site.page("/", WIDGET)
        sources = (
            f"  - name: kg\n    url: {site.url('/')}\n    pattern: '{PATTERN}'\n"
            "    quote: KGS\n    change_unit: absolute\n"
        )
        svc = Service(tmp_path, config_text(sources)).start()
        try:
            usd = {"source": "kg", "base": "USD", "quote": "KGS"}
            rate = wait_for(lambda: sample(svc.metrics(), "tickerwatch_exchange_rate", **usd))
            assert rate == 87.45
            printed = sample(svc.metrics(), "tickerwatch_exchange_rate_source_change_ratio", **usd)
            assert printed is not None and round(printed, 6) == round(-6.38 / (87.45 + 6.38), 6)
            (api,) = [r for r in svc.get("/api/v1/rates").json()["rates"] if r["base"] == "USD"]
            assert (api["change_pct"], api["change_abs"]) == (None, "-6.38")
        finally:
            svc.close()


def test_a_pattern_that_never_finishes_fails_its_polls_and_stalls_nothing(tmp_path: Path) -> None:
    """The page is read in a worker thread and a custom pattern searches with a timeout:
    the slow source fails with reason `timeout`, the service answers and polls the other
    source meanwhile."""
    slow = r"(?P<base>[A-Z]{3}) (?P<rate>\d)(?:.*?,){15}P"
    with PageServer() as site:
        site.page("/slow", "<p>USD 1" + "1," * 40 + "</p>")
        site.page("/", WIDGET)
        sources = (
            f"  - name: slow\n    url: {site.url('/slow')}\n    pattern: '{slow}'\n"
            "    quote: KGS\n    interval: 1s\n    jitter: 0s\n"
            f"  - name: kg\n    url: {site.url('/')}\n    pattern: '{PATTERN}'\n"
            "    quote: KGS\n    interval: 1s\n    jitter: 0s\n"
        )
        svc = Service(tmp_path, config_text(sources)).start()
        try:
            failures = "tickerwatch_source_poll_failures_total"
            wait_for(lambda: sample(svc.metrics(), failures, source="slow", reason="timeout"))
            polls = sample(svc.metrics(), "tickerwatch_source_polls_total", source="kg") or 0
            wait_for(
                lambda: (
                    (sample(svc.metrics(), "tickerwatch_source_polls_total", source="kg") or 0)
                    >= polls + 2
                ),
                what="the other source polled meanwhile",
            )
            assert svc.get("/livez").status_code == 200
            (source,) = [
                s for s in svc.get("/api/v1/sources").json()["sources"] if s["name"] == "slow"
            ]
            assert "backtracks" in source["last_error"]
        finally:
            svc.close()


def test_tickerwatch_parse_explains_a_patterns_groups(tmp_path: Path) -> None:
    page = tmp_path / "widget.html"
    page.write_text(WIDGET)
    args = [sys.executable, "-m", "tickerwatch", "parse", str(page), "--pattern", PATTERN,
            "--quote", "KGS", "--change-unit", "absolute"]  # fmt: skip
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    assert "groups: base='USD' quote='KGS (fixed)' rate='87.45' change='-6.38'" in text
    assert "USD/KGS        87.45    -6.38" in text
    as_json = json.loads(subprocess.run([*args, "--json"], capture_output=True, text=True,
                                        check=True).stdout)  # fmt: skip
    assert as_json["quotes"][0]["change_abs"] == "-6.38"
    assert as_json["groups"][1] == {
        "base": "EUR", "quote": "KGS (fixed)", "rate": "101.51", "change": "+0.12",
    }  # fmt: skip


def test_tickerwatch_parse_reads_a_feed_format(tmp_path: Path) -> None:
    feed = Path(__file__).resolve().parents[1] / "fixtures" / "feeds" / "nbkr_daily_2026-05-24.xml"
    out = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "parse", str(feed), "--format", "nbkr", "--json"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    usd = next(q for q in json.loads(out)["quotes"] if q["base"] == "USD")
    assert (usd["quote"], usd["rate"]) == ("KGS", "87.4500")
    assert usd["effective"] == "2026-05-24T00:00:00Z"  # the feed's date (UTC without --source)


def test_parse_refuses_a_lower_case_fixed_code_as_the_config_does(tmp_path: Path) -> None:
    page = tmp_path / "w.html"
    page.write_text(WIDGET)
    done = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "parse", str(page), "--pattern", PATTERN,
         "--quote", "kgs"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "tickerwatch: --pattern: --quote: expected a currency code in capitals such as KGS\n"
    )


def test_parse_json_says_why_there_is_no_ticker(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<p>nothing here</p>")
    done = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "parse", str(page), "--json"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1
    assert json.loads(done.stdout)["reason"] == "no_ticker"


def test_output_cut_short_by_head_ends_quietly(tmp_path: Path) -> None:
    """`tickerwatch parse … | head -1`: no BrokenPipeError traceback."""
    page = tmp_path / "w.html"
    page.write_text(WIDGET * 400)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tickerwatch", "parse", str(page), "--pattern", PATTERN,
         "--quote", "KGS", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # as head does once it has its line
    err = proc.stderr.read()
    assert proc.wait(timeout=30) in (0, 141) and b"Traceback" not in err and err == b""
