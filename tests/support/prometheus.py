"""The real Prometheus binary (Debian package) on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import yaml

from support.daemon import Daemon
from support.httpserver import free_port

BINARY = shutil.which("prometheus") or "/usr/bin/prometheus"


class Prometheus(Daemon):
    def __init__(self, workdir: Path, config: dict[str, Any]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "prometheus.yml"
        self.config.write_text(yaml.safe_dump(config))
        super().__init__(workdir / "prometheus.log")
        self.data = workdir / "prom-data"
        self.flags: list[str] = []  # more command-line flags, e.g. a longer retention

    def start(self) -> Prometheus:
        args = [
            BINARY,
            f"--config.file={self.config}",
            f"--storage.tsdb.path={self.data}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            *self.flags,
        ]
        self.launch(args, f"{self.url}/-/ready", "prometheus")
        return self

    def query(self, expr: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        body = response.json()
        assert body["status"] == "success", f"{expr}: {body}"
        result: list[dict[str, Any]] = body["data"]["result"]
        return result
