"""structlog for tickerwatch and for the libraries' stdlib logging: JSON when not a TTY."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any, TextIO

import structlog

_QUIET = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "uvicorn.access": logging.WARNING,
}


def configure(
    json: bool | None = None, level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    out = stream or sys.stdout
    if json is None:
        json = not out.isatty()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    exc_info: Any = structlog.processors.format_exc_info if json else _keep
    # tickerwatch's own events go straight to the stream (a poll logs one per poll; the
    # stdlib round trip cost three times as much); the libraries' stdlib records go through
    # ProcessorFormatter. One lock for both writers, so lines never interleave.
    lock = threading.RLock()
    structlog.configure(
        processors=[*shared, exc_info, renderer],
        logger_factory=_LineLoggerFactory(out, lock),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(out)
    handler.lock = lock
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_color_message],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                exc_info,
                renderer,
            ],
        )
    )
    handler.addFilter(_counted_elsewhere)
    handler.addFilter(_OncePerMinute(("asyncio", "uvicorn.error")))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, level))


class _LineLogger:
    """Writes each rendered event as one line; `name` is the logger name of the event."""

    def __init__(self, name: str, out: TextIO, lock: threading.RLock) -> None:
        self.name = name
        self._out = out
        self._lock = lock

    def msg(self, line: str) -> None:
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    debug = info = warning = error = critical = exception = msg


class _LineLoggerFactory:
    def __init__(self, out: TextIO, lock: threading.RLock) -> None:
        self._out = out
        self._lock = lock

    def __call__(self, *args: Any) -> _LineLogger:
        return _LineLogger(str(args[0]) if args else "", self._out, self._lock)


def _counted_elsewhere(record: logging.LogRecord) -> bool:
    """APScheduler's warning per skipped run (thousands a minute on an overloaded host):
    engine.jobs counts those runs and logs `polls_skipped` at most once a minute per job."""
    return not (
        record.name.startswith("apscheduler")
        and isinstance(record.msg, str)
        and (record.msg.startswith("Run time of job") or "skipped: maximum number" in record.msg)
    )


class _OncePerMinute(logging.Filter):
    """At most one record a minute per (logger, message template) of `loggers` at warning
    or above: a client flood (bad requests, `accept()` out of file descriptors) must not
    become a log flood. The next one that passes says how many were left out."""

    def __init__(self, loggers: tuple[str, ...]) -> None:
        super().__init__()
        self.loggers = loggers
        self.since: dict[tuple[str, object], tuple[int, float]] = {}
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not record.name.startswith(self.loggers):
            return True
        key, now = (record.name, record.msg), time.monotonic()
        with self.lock:
            left_out, logged_at = self.since.get(key, (0, -60.0))
            if now - logged_at < 60.0:
                self.since[key] = (left_out + 1, logged_at)
                return False
            self.since[key] = (0, now)
        if left_out:
            record.left_out = left_out  # ExtraAdder puts it in the event
        return True


def _drop_color_message(logger: Any, method: str, event: Any) -> Any:
    event.pop("color_message", None)
    return event


def _keep(logger: Any, method: str, event: Any) -> Any:
    return event
