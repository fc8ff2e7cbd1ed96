"""The answer of GET /probe (the multi-target exporter pattern of blackbox_exporter and
json_exporter): one page's rates as read now, with tickerwatch_probe_success and
tickerwatch_probe_duration_seconds, written by prometheus_client into a registry of its own
per request (nothing is kept between probes)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client import exposition as text_format

from tickerwatch.core.errors import FAILURE_REASONS
from tickerwatch.core.model import Deduplicated
from tickerwatch.metrics.exposition import NS, RATE


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe found: the page's rates (`read`, None when it failed), the failure
    `reason` (FAILURE_REASONS) otherwise, its `duration` in seconds, and the `source`
    label of its rate series ("" for a bare target URL: Prometheus' `instance` names it)."""

    duration: float
    read: Deduplicated | None = None
    reason: str | None = None
    source: str = ""


def render_probe(result: ProbeResult, accept: str = "") -> tuple[bytes, str]:
    """The probe's exposition in the format `accept` asks for, and its Content-Type."""
    r = CollectorRegistry(auto_describe=False)
    success = Gauge(
        f"{NS}_probe_success", "1 if the target was fetched and its rates were read.", registry=r
    )
    success.set(1 if result.read is not None else 0)
    duration = Gauge(
        f"{NS}_probe_duration_seconds", "Time the probe took: fetch and read.", registry=r
    )
    duration.set(result.duration)
    failed = Gauge(
        f"{NS}_probe_failed", f"1 for the reason the probe failed: {', '.join(FAILURE_REASONS)}.",
        ["reason"], registry=r,
    )  # fmt: skip
    if result.reason is not None:
        failed.labels(result.reason).set(1)
    if result.read is not None:
        _rates(r, result.read, result.source)
    encoder, content_type = text_format.choose_encoder(accept)
    return encoder(r), content_type


def _rates(r: CollectorRegistry, read: Deduplicated, source: str) -> None:
    names = ["source", "base", "quote"] if source else ["base", "quote"]
    rate = Gauge(RATE, "Units of quote per one unit of base, as printed.", names, registry=r)
    change = Gauge(
        f"{RATE}_source_change_ratio",
        "The change the source prints, as a ratio; absent when it prints none.",
        names, registry=r,
    )  # fmt: skip
    resolution = Gauge(
        f"{RATE}_resolution", "The smallest step the source prints.", names, registry=r
    )
    effective = Gauge(
        f"{RATE}_effective_timestamp_seconds",
        "Unix time the rate takes effect (dated sources only).", names, registry=r,
    )  # fmt: skip
    for q in read.rates:
        labels = [source, q.pair.base, q.pair.quote] if source else [q.pair.base, q.pair.quote]
        rate.labels(*labels).set(float(q.rate))
        resolution.labels(*labels).set(float(q.resolution))
        if (ratio := q.change_ratio) is not None:
            change.labels(*labels).set(float(ratio))
        if q.effective is not None:
            effective.labels(*labels).set(q.effective)
    Gauge(f"{NS}_ticker_entries", "Readable entries on the page.", registry=r).set(read.entries)
    Gauge(f"{NS}_ticker_pairs", "Distinct pairs on the page.", registry=r).set(len(read.rates))
    Gauge(
        f"{NS}_ticker_unreadable_entries", "Entries that look like quotes but cannot be read.",
        registry=r,
    ).set(read.unreadable_entries)  # fmt: skip
