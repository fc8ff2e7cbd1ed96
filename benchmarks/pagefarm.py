"""A cheap page server for the scale benchmark, run as its own process: serves thousands
of distinct URLs (`/page?i=N`) without building a page per request.

A few hundred ≈180 KB news pages (benchmarks/pageserver.news_page: the ticker in the
header, stories below) are built once at start; each request gets the next one in turn,
so every poll of a source sees other stories than its last poll did, while the ticker
stands still, as on a live site between rate moves. Serving is then a header and one
`sendall` of bytes already in memory.

    python benchmarks/pagefarm.py [VARIANTS] [SIZE]   # prints its port, serves forever
"""

from __future__ import annotations

import itertools
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from pageserver import news_page

VARIANTS = 300
SIZE = 180_000


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: ClassVar[list[bytes]] = []
    turn = itertools.count()

    def do_GET(self) -> None:
        body = self.pages[next(self.turn) % len(self.pages)]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Farm(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the first round asks for every page at once

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up (the service when it stops) is no news


def main() -> None:
    variants = int(sys.argv[1]) if len(sys.argv) > 1 else VARIANTS
    size = int(sys.argv[2]) if len(sys.argv) > 2 else SIZE
    Handler.pages = [news_page(size, serial) for serial in range(variants)]
    server = Farm(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
