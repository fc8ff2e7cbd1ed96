"""GET /probe: fetch and read one page now, statelessly (no history, no alerts, no
snapshot), with the same fetcher and readers as a poll — the multi-target exporter pattern,
in which Prometheus schedules the work and `hashmod` relabelling spreads the targets.

    /probe?target=URL[&format=FORMAT]   a URL that `probe.allowed_targets` allows (none
                                        configured: a configured source's URL), read as
                                        FORMAT (a built-in ticker or bank feed; timesca)
                                        with the config's default limits
    /probe?source=NAME                  a configured source, read as it is configured

400 for a bad or missing parameter, 403 for a target not allowed; each counted in
tickerwatch_probes_total{outcome} and logged once, as is every failed probe (200, with
tickerwatch_probe_success 0, and tickerwatch_probe_failures_total{reason}).
"""

from __future__ import annotations

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
from tickerwatch.core.settings import FEED_FORMATS, TICKER_FORMATS, Probe, Source
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
        self.fetcher = fetcher
        self.metrics = metrics
        self.settings = settings
        self.clock = clock

    async def answer(self, params: Mapping[str, str], accept: str = "") -> ProbeAnswer:
        try:
            source, label = self.source_for(params)
        except Refused as exc:
            outcome = "denied" if exc.status == 403 else "bad_request"
            self.metrics.probed(outcome)
            log.warning("probe_refused", status=exc.status, error=str(exc))
            return ProbeAnswer(exc.status, f"{exc}\n".encode(), "text/plain; charset=utf-8")
        result = await self.probe(source, label)
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
        url = dated_url(source.url, self.clock(), source.timezone)
        try:
            page = await self.fetcher.fetch(
                url, deadline=source.timeout, max_body=source.max_body,
                redirect_hosts=source.redirect_hosts, proxy=source.proxy_url,
                encoding=source.encoding,
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


def _ad_hoc(url: str, fmt: str, probe: Probe) -> Source:
    """A bare target read as `fmt`, with the config's default limits, no redirect to
    another host, no expected pairs."""
    return Source(
        name="probe", url=url, format=fmt, entry_pattern=BUILTIN.get(fmt, BUILTIN["timesca"]),
        pairs=(), interval=60.0, jitter=0.0, timeout=probe.timeout, max_body=probe.max_body,
        stale_after=3600.0, drop_after=3600.0, windows=(),
    )  # fmt: skip
