"""A real HTTP server on 127.0.0.1 whose routes a test scripts, misbehaviour included."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Handler = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up mid-answer are what these tests provoke


@dataclass(frozen=True)
class Post:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived

    def json(self) -> Any:
        return json.loads(self.body)


class PageServer:
    """GET answers come from `routes` (404 otherwise). Every POST is recorded in `posts`,
    then answered by its `post_routes` handler, or with 200 `{}`."""

    def __init__(self, port: int = 0, tls: tuple[Path, Path] | None = None) -> None:
        self.routes: dict[str, Handler] = {}
        self.post_routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.posts: list[Post] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    send(self, 404, b"not found")
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:  # the client died mid-request (a SIGKILL test): a
                    self.close_connection = True  # server acts on no cut request
                    return
                server.posts.append(Post(self.path, dict(self.headers.items()), body, time.time()))
                route = server.post_routes.get(self.path.split("?")[0])
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if route is None:
                        send(self, 200, b"{}", {"Content-Type": "application/json"})
                    else:
                        route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = _QuietServer(("127.0.0.1", port), _Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def on_post(self, path: str, handler: Handler) -> str:
        """Answer POSTs to `path` with `handler` (after recording them in `posts`)."""
        self.post_routes[path] = handler
        return self.url(path)

    def posted(self, path: str) -> list[Post]:
        return [p for p in self.posts if p.path.split("?")[0] == path]

    def page(self, path: str, body: str | bytes, content_type: str = "text/html") -> str:
        data = body.encode() if isinstance(body, str) else body
        return self.route(path, lambda req: send(req, 200, data, {"Content-Type": content_type}))

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p.split("?")[0] == path)

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(
    req: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    req.send_response(status)
    for name, value in (headers or {}).items():
        req.send_header(name, value)
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


def answer(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> Handler:
    """A handler that answers every request with `status`, `headers` and `body`."""
    return lambda req: send(req, status, body, headers)


def with_etag(body: bytes, etag: str, headers: dict[str, str] | None = None) -> Handler:
    """A page with an ETag that answers a matching If-None-Match with 304."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        if req.headers.get("If-None-Match") == etag:
            req.send_response(304)
            req.send_header("ETag", etag)
            req.send_header("Content-Length", "0")
            req.end_headers()
        else:
            send(req, 200, body, {"ETag": etag, "Content-Type": "text/html", **(headers or {})})

    return handler


def trickle(req: BaseHTTPRequestHandler, body: bytes, every: float) -> None:
    """Send the body one byte at a time: each read succeeds, the whole never arrives."""
    req.send_response(200)
    req.send_header("Content-Type", "text/plain")
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    for byte in body:
        req.wfile.write(bytes([byte]))
        req.wfile.flush()
        time.sleep(every)


def reset_mid_body(req: BaseHTTPRequestHandler, body: bytes) -> None:
    """Promise the whole body, send part of it, then reset the connection (RST)."""
    req.send_response(200)
    req.send_header("Content-Type", "text/plain")
    req.send_header("Content-Length", str(len(body) * 10))
    req.end_headers()
    req.wfile.write(body)
    req.wfile.flush()
    req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    req.connection.close()
    req.close_connection = True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def page_server() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


def self_signed_cert(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A fresh self-signed certificate and key, made with the openssl CLI."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}",
         "-addext", f"subjectAltName=IP:{host}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def headers_then_silence(req: BaseHTTPRequestHandler, seconds: float = 10.0) -> None:
    """Send the status and headers, then nothing: the body never starts."""
    req.send_response(200)
    req.send_header("Content-Type", "text/html")
    req.send_header("Content-Length", "5000")
    req.end_headers()
    req.wfile.flush()
    time.sleep(seconds)


class BlackHole:
    """A port that accepts connections (the kernel's backlog) and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> BlackHole:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
