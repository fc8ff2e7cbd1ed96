"""A news-like page server for benchmarks, run as its own process so its CPU is not ours.

GET /page serves ≈SIZE bytes of HTML with the ticker in the header; the rest of the page
changes on every request, as a live site's does. GET /moving changes the ticker's rates on
every request as well; GET /menu has a static menu between the ticker and the stories.
GET /etag serves a fixed page with an ETag and answers If-None-Match with 304.
"""

from __future__ import annotations

import itertools
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TICKER = (
    ("KGS/USD", "0.01144", "0"), ("KZT/USD", "0.00196", "-0"), ("TJS/USD", "0.10899", "-0"),
    ("UZS/USD", "0.00008", "-0"), ("TMT/USD", "0.28490", "0"),
)  # fmt: skip
COUNTER = itertools.count()


MENU = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(20))


def news_page(size: int, serial: int, moving: bool = False, menu: bool = False) -> bytes:
    """`moving`: the ticker's rates change with `serial` too (last digit), as on a day the
    currencies move with every poll. `menu`: a static site menu follows the ticker in the
    header, so the changing stories start further from it."""
    ticker = TICKER
    if moving:
        ticker = tuple((p, r[:-1] + str(serial % 10), c) for p, r, c in TICKER)
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


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    size = 180_000

    def do_GET(self) -> None:
        if self.path.startswith("/etag"):
            if self.headers.get("If-None-Match") == '"fixed"':
                self.send_response(304)
                self.send_header("ETag", '"fixed"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, extra = news_page(self.size, 0), {"ETag": '"fixed"'}
        elif self.path.startswith("/menu"):  # a static menu after the ticker
            body, extra = news_page(self.size, next(COUNTER), menu=True), {}
        elif self.path.startswith("/moving"):  # the ticker changes too
            body, extra = news_page(self.size, next(COUNTER), moving=True), {}
        else:  # /page and /page?i=N: the rest of the page changes on every request
            body, extra = news_page(self.size, next(COUNTER)), {}
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up (the scale run's service when it stops) is no news


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    if len(sys.argv) > 1:
        Handler.size = int(sys.argv[1])
    server.serve_forever()
