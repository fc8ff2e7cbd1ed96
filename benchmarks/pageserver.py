"""A news-like page server for benchmarks, run as its own process so its CPU is not ours.

GET /page serves ≈SIZE bytes of HTML with the ticker in the header; the rest of the page
changes on every request, as a live site's does. GET /moving changes the ticker's rates on
every request as well; GET /menu has a static menu between the ticker and the stories.
GET /etag serves a fixed page with an ETag and answers If-None-Match with 304.
GET /gzip: /page gzip'd (Content-Encoding: gzip, whatever the request's Accept-Encoding).
GET /text and /text-moving: the same idea as text/plain (ticker lines at the top, changing
filler lines below). GET /feed serves the Central Bank of Uzbekistan's real JSON feed (a
recorded response, tests/fixtures/feeds) as is; /feed-moving changes its rates (last
decimal) on every request.
"""

from __future__ import annotations

import gzip
import itertools
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TICKER = (
    ("KGS/USD", "0.01144", "0"), ("KZT/USD", "0.00196", "-0"), ("TJS/USD", "0.10899", "-0"),
    ("UZS/USD", "0.00008", "-0"), ("TMT/USD", "0.28490", "0"),
)  # fmt: skip
COUNTER = itertools.count()
FEED = (Path(__file__).parents[1] / "tests/fixtures/feeds/cbu_json_all_2026-04-01.json").read_text()
FEED_RATE = re.compile(r'("Rate":"[0-9]+\.[0-9]*)[0-9]"')


MENU = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(20))


def news_page(size: int, serial: int, moving: bool = False, menu: bool = False) -> bytes:
    """`moving`: the ticker's rates change with `serial` too (last digit), as on a day the
    currencies move with every poll. `menu`: a static site menu follows the ticker in the
    header, so the changing stories start further from it."""
    ticker = moved(TICKER, serial) if moving else TICKER
    items = "".join(
        f'<li class="ticker-item"><span class="pair">{p}</span> = <span>{r}</span> '
        f'<span class="chg">{c}%</span></li>'
        for _ in range(8)
        for p, r, c in ticker
    )
    head = (
        "<!doctype html><html><head><meta charset=utf-8><title>News</title>"
        + "<link rel=stylesheet href=/s.css>" * 20
        + "<script>window.cfg={a:1,b:[1,2,3]};</script>" * 10
        + f'</head><body><header><nav><ul class="ticker">{items}</ul></nav>'
        + (f'<nav class="menu"><ul>{MENU}</ul></nav>' if menu else "")
        + "</header><main>"
    )
    block = (
        '<article class="post"><h2><a href="/news/{n}">Headline number {n} for the benchmark'
        '</a></h2><div class="meta">08 December 2025</div><p>Benchmark filler paragraph {n}: '
        "growth of 12.5% and a fall of 3%, nothing more.</p></article>"
    )
    parts, n = [head], serial * 1000
    total = len(head)
    while total < size:
        chunk = block.format(n=n)
        parts.append(chunk)
        total += len(chunk)
        n += 1
    parts.append("</main></body></html>")
    return "".join(parts).encode()


Ticker = tuple[tuple[str, str, str], ...]


def moved(ticker: Ticker, serial: int) -> Ticker:
    """The rates with their last digit set from `serial`: a ticker that moved."""
    return tuple((p, r[:-1] + str(serial % 10), c) for p, r, c in ticker)


def text_page(size: int, serial: int, moving: bool = False) -> bytes:
    """≈`size` bytes of text/plain: the five ticker lines (`KGS/USD = 0.01144 0%`) at the
    top, then numbered bulletin lines that change with `serial`; `moving` as news_page."""
    ticker = moved(TICKER, serial) if moving else TICKER
    head = "Exchange rates, Central Asia\n" + "".join(f"{p} = {r} {c}%\n" for p, r, c in ticker)
    line = "Bulletin {n}: growth of 12.5% and a fall of 3% in the benchmark's filler.\n"
    parts, n, total = [head, "\n"], serial * 10_000, len(head) + 1
    while total < size:
        chunk = line.format(n=n)
        parts.append(chunk)
        total += len(chunk)
        n += 1
    return "".join(parts).encode()


def feed(serial: int | None) -> bytes:
    """The CBU feed as recorded, or with every rate's last decimal set from `serial`."""
    if serial is None:
        return FEED.encode()
    return FEED_RATE.sub(lambda m: f'{m.group(1)}{serial % 10}"', FEED).encode()


HTML, TEXT, JSON = "text/html; charset=utf-8", "text/plain; charset=utf-8", "application/json"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    size = 180_000

    def do_GET(self) -> None:
        if self.path.startswith("/etag") and self.headers.get("If-None-Match") == '"fixed"':
            self.send_response(304)
            self.send_header("ETag", '"fixed"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, kind, extra = self.body()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self) -> tuple[bytes, str, dict[str, str]]:
        path = self.path
        if path.startswith("/etag"):
            return news_page(self.size, 0), HTML, {"ETag": '"fixed"'}
        if path.startswith("/feed"):  # /feed as recorded, /feed-moving: rates change
            return feed(next(COUNTER) if path.startswith("/feed-moving") else None), JSON, {}
        if path.startswith("/text"):  # /text: filler changes; /text-moving: ticker too
            moving = path.startswith("/text-moving")
            return text_page(self.size, next(COUNTER), moving), TEXT, {}
        if path.startswith("/gzip"):  # /page, compressed
            body = gzip.compress(news_page(self.size, next(COUNTER)), compresslevel=6)
            return body, HTML, {"Content-Encoding": "gzip"}
        if path.startswith("/menu"):  # a static menu after the ticker
            return news_page(self.size, next(COUNTER), menu=True), HTML, {}
        if path.startswith("/moving"):  # the ticker changes too
            return news_page(self.size, next(COUNTER), moving=True), HTML, {}
        # /page and /page?i=N: the rest of the page changes on every request
        return news_page(self.size, next(COUNTER)), HTML, {}

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up (the scale run's service when it stops) is no news


@contextmanager
def served() -> Iterator[int]:
    """This page server in its own process (its CPU is nobody's); yields its port."""
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__))], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        yield int(server.stdout.readline())
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    if len(sys.argv) > 1:
        Handler.size = int(sys.argv[1])
    server.serve_forever()
