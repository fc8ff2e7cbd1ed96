"""What cannot be read is said, not dropped: an unreadable ticker entry and invalid bytes in
a page are counted in /metrics, shown in /api/v1/sources, and logged once per poll that
reads them; a missing expected pair says why it is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.httpserver import PageServer, send
from support.service import Service, config_text, sample, wait_for

AMBIGUOUS = "USD/UZS = 12,650 0%"


def page(*entries: str) -> bytes:
    items = "".join(f"<li>&#8226; {e}</li>" for _ in range(4) for e in entries)
    return f"<html><body><ul>{items}</ul><p>caf\xe9</p></body></html>".encode()


def test_an_entry_that_cannot_be_read_is_counted_shown_and_logged(tmp_path: Path) -> None:
    """Nothing on this page says whether `,` in 12,650 is grouping: refused, not guessed."""
    with PageServer() as site:
        body = page("USD/RUB = 80 0%", AMBIGUOUS).replace(b"caf\xc3\xa9", b"caf\xe9")
        site.route("/", lambda r: send(r, 200, body, {"Content-Type": "text/html; charset=utf-8"}))
        sources = f"  - name: s\n    url: {site.url('/')}\n    pairs: [USD/RUB, USD/UZS]\n"
        svc = Service(tmp_path, config_text(sources)).start()
        try:
            wait_for(lambda: sample(svc.metrics(), "tickerwatch_source_up"), what="a good poll")
            metrics = svc.metrics()
            assert sample(metrics, "tickerwatch_ticker_unreadable_entries", source="s") == 4
            assert sample(metrics, "tickerwatch_ticker_entries", source="s") == 4
            assert (sample(metrics, "tickerwatch_source_decode_errors_total", source="s") or 0) >= 1
            (source,) = svc.get("/api/v1/sources").json()["sources"]
            assert source["missing_pairs"] == ["USD/UZS"]
            assert source["missing_reasons"]["USD/UZS"].startswith(f"unreadable: {AMBIGUOUS!r}")
            assert source["unreadable"] == [
                {
                    "text": AMBIGUOUS,
                    "pair": "USD/UZS",
                    "reason": "ambiguous",
                    "message": source["unreadable"][0]["message"],
                }
            ]
            assert "decimal_mark" in source["unreadable"][0]["message"]
            assert source["decoding"]["encoding"] == "utf-8"
            assert source["decoding"]["replaced_last"] == 1
            events = [json.loads(x) for x in svc.log.read_text().splitlines() if x.startswith("{")]
            unreadable = [e for e in events if e["event"] == "ticker_unreadable"]
            assert unreadable[0]["unreadable"][0]["text"] == AMBIGUOUS
            assert unreadable[0]["source"] == "s"  # bound around the poll (contextvars)
            assert unreadable[0]["level"] == "warning"
            polls = [e for e in events if e["event"] == "poll" and e.get("result") == "ok"]
            assert len(unreadable) == 1 <= len(polls)  # the same page is not read or logged again
            assert any(e["event"] == "body_decode_errors" for e in events)
        finally:
            svc.close()


def test_tickerwatch_parse_lists_unreadable_entries(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(page("USD/RUB = 80 0%", AMBIGUOUS))
    out = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "parse", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "unreadable USD/UZS = 12,650 0% ×4: ambiguous" in out.stdout
    assert "decoded as utf-8 (from meta)" not in out.stdout  # no meta: valid UTF-8, detected
    assert "decoded as utf-8 (from detected); 0 invalid" in out.stdout
    as_json = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "parse", str(path), "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    data = json.loads(as_json.stdout)
    assert data["unreadable"][0]["text"] == AMBIGUOUS
    assert data["unreadable"][0]["reason"] == "ambiguous"
    assert data["decoding"] == {"encoding": "utf-8", "from": "detected", "replaced": 0}
    settled = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "parse", str(path), "--decimal-mark", ","],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "USD/UZS       12.650" in settled.stdout and "0 unreadable" in settled.stdout
