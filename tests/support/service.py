"""Run the real tickerwatch as a subprocess and talk to it over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from support.httpserver import free_port

T = TypeVar("T")


def wait_for(check: Callable[[], T | None], timeout: float = 15.0, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except (httpx.HTTPError, AssertionError, KeyError) as exc:
            last_error, value = exc, None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; last error: {last_error!r}")


async def until(check: Callable[[], object], within: float = 15.0, what: str = "condition") -> None:
    """wait_for inside an event loop: poll `check` without blocking the loop; fail after
    `within` seconds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def config_text(sources: str, extra: str = "") -> str:
    """A config polling every second; Service fills in {port} and {db}."""
    return (
        'web: {listen: "127.0.0.1:{port}"}\n'
        "storage: {path: {db}}\n"
        "defaults: {interval: 1s, jitter: 0s, timeout: 3s, stale_after: 1h, windows: [1m, 1h]}\n"
        f"{extra}sources:\n{sources}"
    )


class Service:
    def __init__(self, workdir: Path, config: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.db = workdir / "data" / "tw.db"
        self.config = workdir / "tickerwatch.yaml"
        self.config.write_text(
            config.replace("{port}", str(self.port)).replace("{db}", str(self.db))
        )
        self.log = workdir / "service.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.module = "tickerwatch"  # or a support module running it with a fault injected
        self.env: dict[str, str] = {}  # added to the environment
        self.prefix: list[str] = []  # a command that runs it, e.g. ["prlimit", "--nofile=…"]
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=5)

    def start(self, probe: str = "/readyz") -> Service:
        """Start the service and wait until `probe` answers 200 (/livez: started, ready
        or not)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    *self.prefix,
                    sys.executable,
                    "-m",
                    self.module,
                    "run",
                    "-c",
                    str(self.config),
                    "--log-format",
                    "json",
                ],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        wait_for(lambda: self._alive() and self.client.get(probe).status_code == 200, what=probe)
        return self

    def _alive(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(
                f"tickerwatch exited with {self.proc.returncode}:\n{self.log.read_text()}"
            )
        return True

    def get(self, path: str, **kw: object) -> httpx.Response:
        return self.client.get(path, **kw)  # type: ignore[arg-type]

    def metrics(self) -> str:
        return self.get("/metrics").text

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.client.close()


def with_fault(svc: Service, module: str, **env: str) -> Service:
    """Run `svc` through the support module `module` (e.g. "support.faultystore"), which
    injects a fault, with `env` added to its environment."""
    svc.module = module
    svc.env = {"PYTHONPATH": str(Path(__file__).parents[1]), **env}
    return svc


def sample(metrics: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None."""
    for line in metrics.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        series, _, value = line.rpartition(" ")
        if all(f'{k}="{v}"' in series for k, v in labels.items()) and series.split("{")[0] == name:
            return float(value)
    return None


def logged(svc: Service, event: str) -> list[dict[str, object]]:
    """The JSON log lines of `svc` whose event is `event` (lines cut by a SIGKILL skipped)."""
    out = []
    for line in svc.log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if item.get("event") == event:
                out.append(item)
    return out
