"""GET /probe: fetch and read one page now, statelessly (no history, no alerts, no
snapshot), with the same fetcher and readers as a poll — the multi-target exporter pattern,
in which Prometheus schedules the work and `hashmod` relabelling spreads the targets.

    /probe?target=URL[&format=FORMAT]   a URL that `probe.allowed_targets` allows (none
                                        configured: a configured source's URL), read as
                                        FORMAT (a built-in ticker or bank feed; timesca)
                                        with the config's default limits
    /probe?source=NAME                  a configured source, read as it is configured

400 for a bad or missing parameter, 403 for a target not allowed, 503 when
`probe.max_concurrent` probes are already running (probes have their own limit and their own
fetcher: they never take a poll's turn, and never wait in a queue); each counted in
tickerwatch_probes_total{outcome} and logged once, as is every failed probe (200, with
tickerwatch_probe_success 0, and tickerwatch_probe_failures_total{reason}). A bare target is
fetched exactly as given (no date template), and every redirect it takes must itself be a
URL `probe.allowed_targets` allows. The whole probe ends within the timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Final

import structlog

from tickerwatch.config.urls import http_url
from tickerwatch.core.dates import dated_url
from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.errors import PollError
from tickerwatch.core.parse import BUILTIN
from tickerwatch.core.redact import redact_url
from tickerwatch.core.settings import (
    FEED_FORMATS,
    MAX_PROBES,
    TICKER_FORMATS,
    Probe,
    Source,
)
from tickerwatch.engine.runtime import ProbeAnswer
from tickerwatch.fetch.client import Fetcher
from tickerwatch.metrics.probe import ProbeResult, render_probe
from tickerwatch.metrics.registry import Metrics
from tickerwatch.sources import reader_for

log = structlog.get_logger("tickerwatch.probe")

FORMATS: Final = (*TICKER_FORMATS, *FEED_FORMATS)
MAX_PARAM: Final = 2048


class Refused(Exception):
    """A request /probe answers with `status` (400, 403) and this message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Prober:
    """Answers /probe with the running config's `probe` settings (`settings()`: read at
    each request, so a reload applies)."""

    def __init__(
        self, fetcher: Fetcher, metrics: Metrics, settings: Callable[[], Probe],
        clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        # the polls' clients, not their turns: `running` is the probes' only limit
        self.fetcher = Fetcher(fetcher.clients, fetcher.retry, concurrency=MAX_PROBES)
        self.metrics = metrics
        self.settings = settings
        self.clock = clock
        self.running = 0
        self._saturated = False  # logged once per stretch of refusals

    async def answer(self, params: Mapping[str, str], accept: str = "") -> ProbeAnswer:
        """The answer to one /probe request. Cancelled (the client left): counted, logged,
        and the cancellation goes on."""
        try:
            source, label = self.source_for(params)
        except Refused as exc:
            outcome = "denied" if exc.status == 403 else "bad_request"
            self.metrics.probed(outcome)
            log.warning("probe_refused", status=exc.status, error=str(exc))
            return _text(exc.status, str(exc))
        limit = self.settings().max_concurrent
        if self.running >= limit:
            self.metrics.probed("saturated")
            if not self._saturated:
                log.warning("probe_refused", status=503, error=f"{limit} probes running")
            self._saturated = True
            return _text(503, f"{limit} probes are running (probe.max_concurrent); try later")
        self.running += 1
        try:
            result = await self.probe(source, label)
        except asyncio.CancelledError:
            self.metrics.probed("cancelled")
            log.warning("probe_cancelled", target=redact_url(source.url), source=label or None)
            raise
        finally:
            self.running -= 1
            self._saturated = self._saturated and self.running > 0
        self.metrics.probed("success" if result.read is not None else "failed", result.reason)
        body, content_type = render_probe(result, accept)
        return ProbeAnswer(200, body, content_type)

    def source_for(self, params: Mapping[str, str]) -> tuple[Source, str]:
        """The source to read and the `source` label of its rates; Refused otherwise."""
        probe = self.settings()
        name, target, fmt = params.get("source"), params.get("target"), params.get("format")
        if any(v is not None and len(v) > MAX_PARAM for v in (name, target, fmt)):
            raise Refused(400, f"a parameter is longer than {MAX_PARAM} characters")
        if name is not None:
            if target is not None or fmt is not None:
                raise Refused(400, "source: give either source=NAME or target=URL&format=…")
            found = next((s for s in probe.sources if s.name == name), None)
            if found is None:
                raise Refused(400, f"source: no configured source is named {name!r}")
            return found, found.name
        if target is None:
            raise Refused(400, "give target=URL (with format=…) or source=NAME")
        try:
            http_url(target)
        except ValueError as exc:
            raise Refused(400, f"target: {exc}") from None
        fmt = fmt or "timesca"
        if fmt not in FORMATS:
            raise Refused(400, f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
        if not probe.allows(target):
            why = "probe.allowed_targets" if probe.allowed_targets else "configured sources' URLs"
            raise Refused(403, f"target: {redact_url(target)} is not allowed (see {why})")
        return _ad_hoc(target, fmt, probe), ""

    async def probe(self, source: Source, label: str) -> ProbeResult:
        """Fetch and read `source` once; a failure is a result, logged once."""
        started = time.perf_counter()
        bare = not label  # a bare target: as given, each redirect hop allowed or refused
        url = source.url if bare else dated_url(source.url, self.clock(), source.timezone)
        allowed = self.settings().allows if bare else None
        try:
            page = await self.fetcher.fetch(
                url, deadline=source.timeout, max_body=source.max_body,
                redirect_hosts=source.redirect_hosts, proxy=source.proxy_url,
                encoding=source.encoding, redirect_allowed=allowed,
            )  # fmt: skip
            _, ticker = reader_for(source)(page, source, None)
            assert ticker is not None  # no last reading: always read
            read = deduplicate(ticker.entries, ticker.unreadable)
        except PollError as exc:
            duration = time.perf_counter() - started
            log.warning(
                "probe", result="failed", target=redact_url(url), source=label or None,
                reason=exc.reason, error=exc.message, duration=round(duration, 4),
            )  # fmt: skip
            return ProbeResult(duration, reason=exc.reason, source=label)
        return ProbeResult(time.perf_counter() - started, read=read, source=label)


def _text(status: int, message: str) -> ProbeAnswer:
    return ProbeAnswer(status, f"{message}\n".encode(), "text/plain; charset=utf-8")


def _ad_hoc(url: str, fmt: str, probe: Probe) -> Source:
    """A bare target read as `fmt`, with the config's default limits, no expected pairs
    (its redirects: Prober.probe checks each against `probe.allows`)."""
    return Source(
        name="probe", url=url, format=fmt, entry_pattern=BUILTIN.get(fmt, BUILTIN["timesca"]),
        pairs=(), interval=60.0, jitter=0.0, timeout=probe.timeout, max_body=probe.max_body,
        stale_after=3600.0, drop_after=3600.0, windows=(),
    )  # fmt: skip
