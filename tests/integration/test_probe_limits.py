"""GET /probe's limits against the real service and local page servers: probes have their
own concurrency limit (503 beyond it, counted) and never take a poll's turn; a client that
leaves cancels its probe; every redirect hop of a bare target must be allowed; a bare target
is fetched exactly as given."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from support import pages
from support.httpserver import PageServer, answer
from support.pages import DEC_08
from support.service import Service, logged, sample, wait_for

HELD = 20  # more than the polls' 16 fetch slots (fetch.client.MAX_CONCURRENT)


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.page("/p0", pages.spans(DEC_08))
        yield server


def held(release: threading.Event) -> object:
    def handler(req: BaseHTTPRequestHandler) -> None:
        release.wait(30)
        body = pages.spans(DEC_08).encode()
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    return handler


def config(site: PageServer, probe: str) -> str:
    return (
        'web: {listen: "127.0.0.1:{port}"}\nstorage: {path: {db}}\n'
        "defaults: {interval: 1s, jitter: 0s, timeout: 30s, max_body: 64KiB}\n"
        f"probe: {probe}\n"
        f"sources:\n  - {{name: p0, url: '{site.url('/p0')}', pairs: [KGS/USD], timeout: 3s}}\n"
    )


def test_probes_have_their_own_limit_and_polls_go_on(tmp_path: Path, site: PageServer) -> None:
    release = threading.Event()
    site.route("/slow", held(release))  # type: ignore[arg-type]
    allowed = f"{{max_concurrent: {HELD}, allowed_targets: ['{re.escape(site.base)}/slow']}}"
    svc = Service(tmp_path, config(site, allowed)).start()
    pool = ThreadPoolExecutor(HELD)
    try:
        with httpx.Client(timeout=60) as client:
            url = f"http://127.0.0.1:{svc.port}/probe"
            futures = [
                pool.submit(client.get, url, params={"target": site.url("/slow")})
                for _ in range(HELD)
            ]
            wait_for(lambda: site.hits("/slow") == HELD, what="every probe at the slow page")
            polled = site.hits("/p0")
            # every probe slot is taken, and more than the polls' 16: polls still run
            wait_for(lambda: site.hits("/p0") >= polled + 2, what="polls while probes wait")
            for _ in range(2):
                refused = svc.get("/probe", params={"target": site.url("/slow")})
                assert refused.status_code == 503
                assert "probe.max_concurrent" in refused.text
            release.set()
            assert {f.result().status_code for f in futures} == {200}
        metrics = svc.metrics()
        assert sample(metrics, "tickerwatch_probes_total", outcome="saturated") == 2
        assert sample(metrics, "tickerwatch_probes_total", outcome="success") == HELD
        assert len([e for e in logged(svc, "probe_refused") if e["status"] == 503]) == 1
        # the limit is free again once they end
        assert svc.get("/probe", params={"source": "p0"}).status_code == 200
    finally:
        release.set()
        pool.shutdown()
        svc.close()


def test_a_client_that_leaves_cancels_its_probe(tmp_path: Path, site: PageServer) -> None:
    release = threading.Event()
    site.route("/slow", held(release))  # type: ignore[arg-type]
    allowed = f"{{allowed_targets: ['{re.escape(site.base)}/slow']}}"
    svc = Service(tmp_path, config(site, allowed)).start()
    try:
        target = httpx.QueryParams({"target": site.url("/slow")})
        with socket.create_connection(("127.0.0.1", svc.port)) as sock:
            sock.sendall(f"GET /probe?{target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            wait_for(lambda: site.hits("/slow") == 1, what="the probe at the slow page")
        metrics = wait_for(
            lambda: (m := svc.metrics()) and sample(m, "tickerwatch_probes_total",
                                                    outcome="cancelled") == 1 and m,
            what="the cancelled probe counted",
        )  # fmt: skip
        assert sample(metrics, "tickerwatch_probes_total", outcome="success") == 0
        assert len(logged(svc, "probe_cancelled")) == 1
    finally:
        release.set()
        svc.close()


def test_every_redirect_hop_of_a_bare_target_must_be_allowed(
    tmp_path: Path, site: PageServer
) -> None:
    with PageServer() as other:  # the same host on another port
        other.page("/p0", pages.spans(DEC_08))
        svc = Service(tmp_path, config(site, "{allowed_targets: ['{base}/(hop.*|p0)']}"))
        svc.config.write_text(svc.config.read_text().replace("{base}", re.escape(site.base)))
        own = f"http://127.0.0.1:{svc.port}"
        site.route("/hop-port", answer(302, {"Location": other.url("/p0")}))
        site.route("/hop-self", answer(302, {"Location": f"{own}/probe?target=x"}))
        site.route("/hop-metrics", answer(302, {"Location": f"{own}/metrics"}))
        site.route("/hop-ok", answer(302, {"Location": "/p0"}))
        svc.start()
        try:
            for path in ("/hop-port", "/hop-self", "/hop-metrics"):
                text = svc.get("/probe", params={"target": site.url(path)}).text
                assert sample(text, "tickerwatch_probe_failed", reason="redirect") == 1, path
            ok = svc.get("/probe", params={"target": site.url("/hop-ok")}).text
            assert sample(ok, "tickerwatch_probe_success") == 1
            assert other.hits("/p0") == 0
            assert sample(svc.metrics(), "tickerwatch_probes_total", outcome="failed") == 3
            assert len(logged(svc, "probe_refused")) == 0  # the service never probed itself
        finally:
            svc.close()


def test_a_bare_target_is_fetched_exactly_as_given(tmp_path: Path, site: PageServer) -> None:
    svc = Service(tmp_path, config(site, f"{{allowed_targets: ['{re.escape(site.base)}/d/.*']}}"))
    svc.start()
    try:
        for path in ("/d/%d0%b0", "/d/a%%b", "/d/%Y-%m"):
            site.page(path, pages.spans(DEC_08))
            text = svc.get("/probe", params={"target": site.url(path)}).text
            assert sample(text, "tickerwatch_probe_success") == 1, path
        fetched = [p for p, _ in site.requests if p.startswith("/d/")]
        assert fetched == ["/d/%d0%b0", "/d/a%%b", "/d/%Y-%m"]
    finally:
        svc.close()
