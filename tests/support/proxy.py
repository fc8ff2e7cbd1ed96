"""The real tinyproxy (Debian tinyproxy-bin) on 127.0.0.1: a forward proxy that adds a
`Via` header naming it to every request it forwards and logs each connection."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from support.httpserver import free_port
from support.service import wait_for

BINARY = shutil.which("tinyproxy") or "tinyproxy"
VIA_NAME = "tickerwatch-test-proxy"


class ForwardProxy:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "tinyproxy.log"
        self.config = workdir / "tinyproxy.conf"
        self.config.write_text(
            f"Port {self.port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\n"
            f'LogFile "{self.log}"\nLogLevel Info\nAllow 127.0.0.1\nViaProxyName "{VIA_NAME}"\n'
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ForwardProxy:
        self.proc = subprocess.Popen(
            [BINARY, "-d", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._accepts, what="tinyproxy")
        return self

    def _accepts(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def via_proxy(headers: dict[str, str]) -> bool:
    """The request these headers came with was forwarded by the test proxy."""
    return VIA_NAME in headers.get("Via", "")
