"""tickerwatch's own errors. Third-party exceptions are translated into these at one boundary."""

from __future__ import annotations

from typing import Final, Literal, get_args

FailureReason = Literal[
    "timeout",
    "connect",
    "http_status",
    "too_large",
    "redirect",
    "decode",
    "no_ticker",
    "too_many_pairs",
    "internal",
]

# The same reasons as a tuple, in order: metrics initialise every label at 0.
FAILURE_REASONS: Final[tuple[FailureReason, ...]] = get_args(FailureReason)


class TickerwatchError(Exception):
    """Base class of every error tickerwatch raises on purpose."""


class PollError(TickerwatchError):
    """A poll failed for one reason from the closed set in FAILURE_REASONS."""

    def __init__(self, reason: FailureReason, message: str) -> None:
        super().__init__(message)
        self.reason: FailureReason = reason
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


class FetchError(PollError):
    """The page could not be fetched. `retry_in`: None when asking again soon is no use
    (HTTP 404 …); else seconds the server asked to wait (Retry-After), 0.0 when it did not
    say (HTTP 429, 5xx, a dropped connection)."""

    retry_in: float | None = None


class ParseError(PollError):
    """The page was fetched but holds no usable ticker (or a custom pattern ran out of
    time reading it: reason `timeout`)."""

    def __init__(self, message: str, reason: FailureReason = "no_ticker") -> None:
        super().__init__(reason, message)


class ConfigError(TickerwatchError):
    """The configuration is invalid; `problems` holds one `FILE:LINE: key.path: problem` each,
    `warnings` the file's warnings found with them (the same shape)."""

    def __init__(self, problems: list[str], warnings: list[str] | None = None) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.warnings = warnings or []


class ListenError(TickerwatchError):
    """The web server cannot listen where it was told to (a port in use, an address this
    host does not have)."""


class StoreError(TickerwatchError):
    """The history database could not be opened or written."""


class DatabaseCorrupt(StoreError):
    """The history database file is damaged (SQLite's `PRAGMA quick_check` or its reading
    of the file says so): the message names the file and SQLite's first findings."""
