"""The real Alertmanager binary (Debian prometheus-alertmanager) on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from support.daemon import Daemon
from support.httpserver import free_port

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager") or "alertmanager"


class Alertmanager(Daemon):
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
        super().__init__(workdir / "alertmanager.log")
        self.storage = workdir / "am-data"

    def start(self) -> Alertmanager:
        args = [
            BINARY,
            f"--config.file={self.config}",
            f"--storage.path={self.storage}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",
        ]
        self.launch(args, f"{self.url}/-/ready", "alertmanager")
        return self

    def alerts(self) -> list[dict[str, object]]:
        data: list[dict[str, object]] = httpx.get(f"{self.url}/api/v2/alerts").json()
        return data
