"""Log lines: one JSON object per line, tickerwatch's events and the libraries' alike."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from tickerwatch import logs


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    logs.configure(json=True, stream=out)
    yield out
    logs.configure(json=True)  # back to stdout for whatever runs next


def events(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_own_and_library_events_share_one_json_format(lines: io.StringIO) -> None:
    log = structlog.get_logger("tickerwatch.test")
    log.info("poll", source="timesca", duration=0.01)
    log.debug("not at info level")
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 7)
    logging.getLogger("httpx").info("HTTP Request: quieted below WARNING")
    own, library = events(lines)
    assert own == {
        "source": "timesca", "duration": 0.01, "event": "poll", "level": "info",
        "logger": "tickerwatch.test", "timestamp": own["timestamp"],
    }  # fmt: skip
    assert library["event"] == "Started server process [7]"
    assert (library["level"], library["logger"]) == ("info", "uvicorn.error")
    assert str(own["timestamp"]).endswith("Z") and str(library["timestamp"]).endswith("Z")


def test_an_exception_is_one_line_with_its_traceback(lines: io.StringIO) -> None:
    log = structlog.get_logger("tickerwatch.test")
    try:
        raise ValueError("bad page")
    except ValueError:
        log.exception("poll_failed", source="timesca")
    (event,) = events(lines)
    assert event["level"] == "error" and "ValueError: bad page" in str(event["exception"])
