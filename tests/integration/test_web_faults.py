"""Faults a web client can throw at the real service: slow connections by the thousand
under the systemd default of 1024 open files, and a request with both Content-Length and
Transfer-Encoding (request smuggling); a web config file changed (password, certificate)."""

from __future__ import annotations

import signal
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import httpx
import pytest

from support.httpserver import PageServer, self_signed_cert
from support.service import Service, config_text, logged, sample, wait_for

SLOW_CLIENTS = 1100


@pytest.fixture
def service(tmp_path: Path, site: PageServer) -> Iterator[Service]:
    svc = Service(tmp_path, config_text(f"  - name: timesca\n    url: {site.url('/')}\n"))
    svc.prefix = ["prlimit", "--nofile=1024:1024", "--"]
    try:
        yield svc.start()
    finally:
        svc.close()


def raw(port: int, data: bytes) -> bytes:
    """Send `data` on a new connection; everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_slow_clients_by_the_thousand_leave_livez_answering(service: Service) -> None:
    held = []
    try:
        for _ in range(SLOW_CLIENTS):  # a head begun, never finished
            sock = socket.create_connection(("127.0.0.1", service.port), timeout=5)
            sock.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\nX-a: ")
            held.append(sock)
        assert service.get("/livez").status_code == 200
        assert service.get("/readyz").status_code == 200
        polls = "tickerwatch_source_polls_total"
        before = sample(service.metrics(), polls, source="timesca") or 0
        wait_for(  # file descriptors are left for the polls
            lambda: (sample(service.metrics(), polls, source="timesca") or 0) >= before + 2,
            what="polls during the attack",
        )
        closed = "tickerwatch_http_connections_closed_total"
        assert (sample(service.metrics(), closed, reason="over_limit") or 0) > 0
        wait_for(
            lambda: (sample(service.metrics(), closed, reason="head_timeout") or 0) > 0,
            what="slow heads timed out",
        )
    finally:
        for sock in held:
            sock.close()
    events = logged(service, "http_connection_closed")
    assert sorted(str(e["reason"]) for e in events) == ["head_timeout", "over_limit"]
    assert service.log.stat().st_size < 100_000


def test_a_request_with_both_content_length_and_transfer_encoding_is_refused(
    service: Service,
) -> None:
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    for lengths in (
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 40\r\n",
    ):
        answer = raw(service.port, b"POST /livez HTTP/1.1\r\nHost: x\r\n" + lengths
                     + b"\r\n0\r\n\r\n" + smuggled)  # fmt: skip
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert answer.count(b"HTTP/1.1") == 1, "the smuggled request must not be served"
    closed = "tickerwatch_http_connections_closed_total"
    assert sample(service.metrics(), closed, reason="ambiguous_length") == 2


def test_a_changed_web_config_file_takes_effect_on_sighup(tmp_path: Path, site: PageServer) -> None:
    web = tmp_path / "web.yml"

    def write_web(directory: Path, password: str) -> str:
        """A web config file with a new certificate and one user; the certificate (PEM)."""
        directory.mkdir()
        cert, key = self_signed_cert(directory)
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
        web.write_text(
            f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
            f"basic_auth_users:\n  prometheus: '{hashed}'\n"
        )
        return cert.read_text()

    first = write_web(tmp_path / "old", "old password")
    config = config_text(f"  - name: timesca\n    url: {site.url('/')}\n").replace(
        'web: {listen: "127.0.0.1:{port}"}',
        f'web: {{listen: "127.0.0.1:{{port}}", config_file: {web}}}',
    )
    svc = Service(tmp_path, config)
    svc.client = httpx.Client(base_url=f"https://127.0.0.1:{svc.port}", verify=False, timeout=5)
    svc.start()
    try:
        served = lambda: ssl.get_server_certificate(("127.0.0.1", svc.port))  # noqa: E731
        assert served() == first
        assert svc.get("/metrics", auth=("prometheus", "old password")).status_code == 200
        second = write_web(tmp_path / "new", "new password")
        assert svc.proc is not None
        svc.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: logged(svc, "reloaded"), what="reloaded")
        assert served() == second
        fresh = httpx.Client(base_url=f"https://127.0.0.1:{svc.port}", verify=False, timeout=5)
        assert fresh.get("/metrics", auth=("prometheus", "old password")).status_code == 401
        assert fresh.get("/metrics", auth=("prometheus", "new password")).status_code == 200
        web.write_text(web.read_text().replace("key_file: ", "key_file: missing-"))
        svc.proc.send_signal(signal.SIGHUP)  # a file that does not load changes nothing
        wait_for(lambda: logged(svc, "reload_failed"), what="reload_failed")
        assert served() == second
        assert fresh.get("/metrics", auth=("prometheus", "new password")).status_code == 200
    finally:
        svc.close()
