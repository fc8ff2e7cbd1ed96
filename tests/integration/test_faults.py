"""One service, one source per fault a site can throw at it. Every failure is counted with
its reason (never `internal`), /metrics keeps answering, memory stays bounded, and a good
page recovers the source."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from support import pages
from support.httpserver import (
    PageServer,
    free_port,
    headers_then_silence,
    reset_mid_body,
    self_signed_cert,
    send,
    trickle,
)
from support.pages import DEC_08
from support.service import Service, config_text, sample, wait_for

GOOD = pages.list_items(DEC_08).encode()
BOMB = gzip.compress(b"\0" * (100 * 2**20), compresslevel=9)
BIG = b"<p>" + b"x" * (40 * 2**20)
GARBAGE = "• KGS/USD = NaN 0%\n• KZT/USD = 1e999 0%\n• TJS/USD = 0.0.1 0%\n".encode()

FAULTS = {
    # name: (route handler, expected reason)
    "trickle": (lambda r: trickle(r, GOOD, every=0.2), "timeout"),
    "silence": (lambda r: headers_then_silence(r, 4), "timeout"),
    "e500": (lambda r: send(r, 500, b"oops"), "http_status"),
    "e429": (lambda r: send(r, 429, b"", {"Retry-After": "120"}), "http_status"),
    "loop": (lambda r: send(r, 302, b"", {"Location": "/loop"}), "redirect"),
    "badport": (lambda r: send(r, 302, b"", {"Location": "http://127.0.0.1:99999/"}), "redirect"),
    "big": (lambda r: send(r, 200, BIG, {"Content-Type": "text/html"}), "too_large"),
    "bomb": (lambda r: send(r, 200, BOMB, {"Content-Encoding": "gzip"}), "too_large"),
    "reset": (lambda r: reset_mid_body(r, GOOD[:200]), "connect"),
    "bytes": (
        lambda r: send(r, 200, os.urandom(4096), {"Content-Type": "text/html; charset=utf-8"}),
        "no_ticker",
    ),
    "badgz": (
        lambda r: send(r, 200, b"not gzip at all", {"Content-Encoding": "gzip"}),
        "decode",
    ),
    "empty": (lambda r: send(r, 200, b"", {"Content-Type": "text/html"}), "no_ticker"),
    "garbage": (lambda r: send(r, 200, GARBAGE, {"Content-Type": "text/plain"}), "no_ticker"),
    "redesign": (
        lambda r: send(
            r, 200, b"<html><body><nav>New look!</nav></body></html>", {"Content-Type": "text/html"}
        ),
        "no_ticker",
    ),
}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_every_fault_is_counted_with_its_reason_and_the_service_stays_up(tmp_path: Path) -> None:
    with PageServer() as site, PageServer(tls=self_signed_cert(tmp_path)) as tls_site:
        tls_site.page("/", GOOD)
        sources = ""
        for name, (handler, _) in FAULTS.items():
            sources += f"  - name: {name}\n    url: {site.route('/' + name, handler)}\n"
        expected = {name: reason for name, (_, reason) in FAULTS.items()}
        sources += f"  - name: tls\n    url: {tls_site.url('/')}\n"
        sources += "  - name: nxdomain\n    url: http://tickerwatch-test.invalid/\n"
        sources += f"  - name: refused\n    url: http://127.0.0.1:{free_port()}/\n"
        expected.update(tls="connect", nxdomain="connect", refused="connect")
        config = config_text(sources).replace("timeout: 3s", "timeout: 1500ms")
        svc = Service(tmp_path, config).start()
        try:

            def counted() -> bool:
                text = svc.metrics()
                return all(
                    (
                        sample(text, "tickerwatch_source_poll_failures_total", source=s, reason=r)
                        or 0
                    )
                    >= 2
                    for s, r in expected.items()
                )

            wait_for(counted, timeout=60, what="every fault counted twice")
            text = svc.metrics()
            for name in expected:
                assert (
                    sample(
                        text,
                        "tickerwatch_source_poll_failures_total",
                        source=name,
                        reason="internal",
                    )
                    == 0
                )
                assert sample(text, "tickerwatch_source_up", source=name) == 0
            assert svc.proc is not None
            rss = rss_mb(svc.proc.pid)
            print(f"RSS after the fault matrix: {rss:.1f} MB")
            assert rss < 150, "40 MB bodies and 100 MB gzip bombs must not stay in memory"
            assert svc.get("/healthz").json()["status"] == "degraded"
            assert (sample(text, "tickerwatch_source_decode_errors_total", source="bytes") or 0) > 0

            site.page("/bomb", GOOD)
            wait_for(
                lambda: sample(svc.metrics(), "tickerwatch_source_up", source="bomb") == 1,
                what="recovery",
            )
            assert (
                sample(svc.metrics(), "tickerwatch_exchange_rate", source="bomb", base="KZT")
                == 0.00196
            )
        finally:
            svc.close()
