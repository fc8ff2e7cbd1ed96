"""A real server binary run for a test: started with its log in a file, ready when its
readiness URL answers 200, terminated at the end."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from support.service import wait_for


class Daemon:
    def __init__(self, log: Path) -> None:
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def launch(self, args: list[str], ready_url: str, what: str) -> None:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: httpx.get(ready_url).status_code == 200, what=what)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
