"""The real Alertmanager binary (Debian prometheus-alertmanager) on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx

from support.httpserver import free_port
from support.service import wait_for

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager") or "alertmanager"


class Alertmanager:
    def __init__(self, workdir: Path, webhook_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "alertmanager.yml"
        self.config.write_text(
            "route:\n"
            "  receiver: hook\n"
            "  group_by: [alertname, source]\n"
            "  group_wait: 0s\n"
            "  group_interval: 1s\n"
            "  repeat_interval: 4h\n"
            "receivers:\n"
            "  - name: hook\n"
            "    webhook_configs:\n"
            f"      - url: {webhook_url}\n"
            "        send_resolved: true\n"
        )
        self.log = workdir / "alertmanager.log"
        self.storage = workdir / "am-data"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Alertmanager:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    BINARY,
                    f"--config.file={self.config}",
                    f"--storage.path={self.storage}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--cluster.listen-address=",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: httpx.get(f"{self.url}/-/ready").status_code == 200, what="alertmanager")
        return self

    def alerts(self) -> list[dict[str, object]]:
        data: list[dict[str, object]] = httpx.get(f"{self.url}/api/v2/alerts").json()
        return data

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
