"""The real Prometheus binary (Debian package) on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml

from support.httpserver import free_port
from support.service import wait_for

BINARY = shutil.which("prometheus") or "/usr/bin/prometheus"


class Prometheus:
    def __init__(self, workdir: Path, config: dict[str, Any]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "prometheus.yml"
        self.config.write_text(yaml.safe_dump(config))
        self.log = workdir / "prometheus.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.data = workdir / "prom-data"

    def start(self) -> Prometheus:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    BINARY,
                    f"--config.file={self.config}",
                    f"--storage.tsdb.path={self.data}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: httpx.get(f"{self.url}/-/ready").status_code == 200, what="prometheus")
        return self

    def query(self, expr: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        body = response.json()
        assert body["status"] == "success", f"{expr}: {body}"
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
