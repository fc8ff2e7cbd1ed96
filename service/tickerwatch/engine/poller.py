"""One poll of one source: fetch → parse → de-duplicate → store → snapshot and metrics.

A failed poll is counted, logged once as a structured event, and the loop goes on.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog

from tickerwatch.core.dates import dated_url
from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.errors import PollError, StoreError
from tickerwatch.core.model import Deduplicated, Page, Pair, SeriesStats
from tickerwatch.core.redact import redact_url
from tickerwatch.core.settings import Source
from tickerwatch.core.snapshot import Rate, SourceState
from tickerwatch.core.storage import StorageHealth
from tickerwatch.core.units import parse_duration, rfc3339
from tickerwatch.engine.schedule import expect_next_poll
from tickerwatch.fetch.client import Fetcher
from tickerwatch.metrics.registry import Metrics
from tickerwatch.sources import reader_for
from tickerwatch.store.sqlite import Store

log = structlog.get_logger("tickerwatch.poller")

# When nothing moved, history statistics (window changes) are recomputed every 5 minutes,
# or every tenth of the shortest window if that is sooner (a 24h change is then at most 5
# minutes behind). Not every minute: a source polled every 60 s would recompute them, and
# rewrite its rows, at every poll instead of moving their last_seen.
STATS_EVERY = 300.0


@dataclass(frozen=True, slots=True)
class _Outcome:
    result: str
    dedup: Deduplicated
    effective: float | None = None  # the body's date, for sources that date their rates


class Poller:
    def __init__(
        self,
        fetcher: Fetcher,
        store: Store,
        metrics: Metrics,
        clock: Callable[[], float],
        extra_windows: dict[str, float] | None = None,
        after_poll: Callable[[SourceState], Awaitable[object]] | None = None,
        storage: StorageHealth | None = None,
    ) -> None:
        self.storage = storage or StorageHealth()
        self.fetcher = fetcher
        self.store = store
        self.metrics = metrics
        self.clock = clock
        self.extra_windows = extra_windows or {}
        self.after_poll = after_poll

    async def poll(self, state: SourceState, lag: float | None = None) -> None:
        """Poll once; never raises except on cancellation. `lag`: how late the scheduler
        started this poll, logged with it. Every event logged meanwhile, the libraries'
        included, carries the source's name (structlog's contextvars)."""
        name = state.source.name
        with structlog.contextvars.bound_contextvars(source=name):
            event = {"source": name, **await self._poll_logged(state)}
            if lag is not None:
                event["lag"] = round(lag, 4)
            loud = event["result"] in ("failed", "stale") or event.get("stored") is False
            (log.warning if loud else log.info)("poll", **event)
        if self.after_poll is not None:
            try:
                await self.after_poll(state)
            except StoreError as exc:  # alert states not saved: kept, saved next time
                self.storage.fault("write_failed", str(exc), self.clock())
                log.error("alerts_not_saved", error=str(exc))
            except Exception:  # alerting trouble must not stop polling
                log.exception("after_poll_failed", source=name)

    async def _poll_logged(self, state: SourceState) -> dict[str, Any]:
        """One poll with its bookkeeping; the fields of its `poll` event."""
        started = time.perf_counter()
        now = self.clock()
        source = state.source
        url = dated_url(source.url, now, source.timezone)
        event: dict[str, Any] = {} if url == source.url else {"url": redact_url(url)}
        try:
            outcome = await self._poll(state, now, url, event)
        except PollError as exc:
            self._failed(state, now, exc.reason, exc.message)
            event.update(result="failed", reason=exc.reason, error=exc.message)
        except StoreError as exc:
            self._failed(state, now, "internal", str(exc))
            event.update(result="failed", reason="internal", error=str(exc))
        except Exception as exc:  # a bug must not stop the schedule
            self._failed(state, now, "internal", f"{type(exc).__name__}: {exc}")
            event.update(result="failed", reason="internal", error=repr(exc), exc_info=True)
        else:
            event.update(
                result=outcome.result,
                entries=outcome.dedup.entries,
                pairs={str(q.pair): str(q.rate) for q in outcome.dedup.rates},
            )
            if outcome.effective is not None:
                event["effective"] = rfc3339(outcome.effective)
            if outcome.result == "stale" and state.newest_effective is not None:
                event["newest"] = rfc3339(state.newest_effective)
        finally:
            duration = time.perf_counter() - started
            state.polls += 1
            state.last_poll_at = now
            state.last_duration = duration
            state.durations.observe(duration)
            state.changed()
        try:
            self.metrics.polled(state)
        except Exception:  # a rendering bug must not stop polling; a scrape shows it
            log.exception("metrics_render_failed")
        event["duration"] = round(duration, 4)
        return event

    async def _poll(
        self, state: SourceState, now: float, url: str, event: dict[str, Any]
    ) -> _Outcome:
        """Fetch `url` (the source's, its date placeholders filled) and read it."""
        source = state.source
        validators = state.last_result is not None and url == state.fetched_url
        page = await self.fetcher.fetch_source(
            source,
            url,
            etag=state.etag if validators else None,
            last_modified=state.last_modified if validators else None,
        )
        result, dedup = await self._read(state, page)
        effective = _body_date(dedup)
        if result == "ok" and _older(effective, state.newest_effective):
            return self._stale(state, dedup, effective)
        windows = all_windows(source, self.extra_windows)
        fresh_for = min([STATS_EVERY, *(w / 10 for w in windows.values())])
        try:
            if _same_as_stored(state, dedup) and now - state.stats_at < fresh_for:
                await self.store.touch([r.row_id for r in state.rates.values()], now)
                state.rates = {p: r.seen(now) for p, r in state.rates.items()}
            else:
                stats = await self.store.record(source.name, dedup.rates, now, windows)
                quotes = {q.pair: q for q in dedup.rates}
                state.rates = {
                    s.pair: Rate.build(source.name, quotes[s.pair], s, now) for s in stats
                }
                state.stats_at = now
            self.storage.failing = False
        except StoreError as exc:  # served from memory; written again at the next poll
            self.storage.fault("write_failed", str(exc), now)
            state.rates = _in_memory(state, dedup, now)
            event.update(stored=False, store_error=str(exc))
        state.up = True
        state.last_success_at = now
        expect_next_poll(state)  # of state.source: a reload during the fetch may change it
        state.last_result = dedup
        state.entries = dedup.entries
        state.pairs = len(dedup.rates)
        if state.source is source:
            state.etag, state.last_modified = page.etag, page.last_modified
            state.fetched_url = url
        else:  # a reload during the fetch changed how the page is read: read it anew next
            state.read_key = None
        if result == "ok":
            for quote in dedup.rates:  # label sets at 0, so increase() sees the first one
                state.conflict_counts.setdefault(quote.pair, 0)
            self._report_conflicts(state, dedup)
        return _Outcome(result, dedup, effective)

    def _stale(self, state: SourceState, dedup: Deduplicated, effective: float | None) -> _Outcome:
        """A body dated before the newest rates recorded (a feed serving an old file): the
        source answered, but nothing is stored or shown from it. It is read again at the
        next poll (no read key kept), so a body that stays old stays `stale`."""
        state.up = True
        state.stale_polls += 1
        state.read_key = None
        return _Outcome("stale", dedup, effective)

    async def _read(self, state: SourceState, page: Page) -> tuple[str, Deduplicated]:
        if page.body is None:
            assert state.last_result is not None  # fetch refuses a 304 sent no validators
            return "not_modified", state.last_result
        self._decoded(state, page)
        source = state.source
        last = state.read_key if state.last_result is not None else None
        # In a worker thread: a large feed or a slow custom pattern never stalls the loop.
        key, ticker = await asyncio.to_thread(reader_for(source), page, source, last)
        if ticker is None:
            assert state.last_result is not None
            return "unchanged", state.last_result
        dedup = deduplicate(ticker.entries, ticker.unreadable)
        if len(dedup.rates) > source.max_pairs:  # before read_key: never `unchanged` later
            raise PollError(
                "too_many_pairs",
                f"the page gives {len(dedup.rates)} pairs, more than max_pairs"
                f" ({source.max_pairs}); nothing from it is stored",
            )
        state.context_before, state.context_after = ticker.context()
        state.read_key = key
        state.unreadable, state.unreadable_entries = dedup.unreadable, dedup.unreadable_entries
        if dedup.unreadable:
            log.warning(
                "ticker_unreadable",
                entries=dedup.unreadable_entries,
                unreadable=[{"text": u.text, "reason": u.message} for u in dedup.unreadable],
            )
        return "ok", dedup

    def _decoded(self, state: SourceState, page: Page) -> None:
        """Note how the body was decoded; invalid bytes are counted and logged per poll."""
        state.encoding, state.encoding_origin = page.encoding, page.encoding_origin
        state.replaced = page.replaced
        if page.replaced:
            state.decode_errors += page.replaced
            log.warning(
                "body_decode_errors",
                encoding=page.encoding,
                origin=page.encoding_origin,
                replaced=page.replaced,
            )

    def _report_conflicts(self, state: SourceState, dedup: Deduplicated) -> None:
        state.conflicts = dedup.conflicts
        for conflict in dedup.conflicts:
            state.conflict_counts[conflict.pair] = state.conflict_counts.get(conflict.pair, 0) + 1
            log.warning(
                "ticker_conflict",
                pair=str(conflict.pair),
                values=list(conflict.values),
                chosen=conflict.chosen,
            )

    def _failed(self, state: SourceState, now: float, reason: Any, message: str) -> None:
        state.up = False
        state.last_reason = reason
        state.last_error = message
        state.last_error_at = now
        state.failures[reason] += 1


def _in_memory(state: SourceState, dedup: Deduplicated, now: float) -> dict[Pair, Rate]:
    """The rates of a poll whose history write failed, from what is in memory (row 0: the
    next poll writes them again; changes since then and window rates as known)."""
    rates = {}
    for quote in dedup.rates:
        old = state.rates.get(quote.pair)
        if old is not None and old.printed.value == quote.value:
            stats = SeriesStats(quote.pair, old.changed_at, old.previous, dict(old.window_rates))
        else:
            stats = SeriesStats(quote.pair, now, None if old is None else old.printed.rate, {})
        rates[quote.pair] = Rate.build(state.source.name, quote, stats, now)
    return rates


def _body_date(dedup: Deduplicated) -> float | None:
    """The date a body's rates take effect (its newest, should they differ), or None."""
    return max((q.effective for q in dedup.rates if q.effective is not None), default=None)


def _older(effective: float | None, newest: float | None) -> bool:
    return effective is not None and newest is not None and effective < newest


def _same_as_stored(state: SourceState, dedup: Deduplicated) -> bool:
    """The page prints exactly what this source's newest history rows hold."""
    rates = state.rates
    if len(rates) != len(dedup.rates) or not all(r.row_id for r in rates.values()):
        return False
    for printed in dedup.rates:
        r = rates.get(printed.pair)
        if r is None or r.printed.value != printed.value:
            return False
    return True


def all_windows(source: Source, extra: dict[str, float]) -> dict[str, float]:
    """The source's metric windows and the windows alert rules compare against."""
    return {**_seconds(source.windows), **extra}


@functools.lru_cache(maxsize=256)
def _seconds(windows: tuple[str, ...]) -> dict[str, float]:
    """Windows in seconds, read once per distinct list (callers copy, never change it)."""
    return {w: parse_duration(w) for w in windows}


async def restore(
    state: SourceState, store: Store, now: float, extra_windows: dict[str, float] | None = None
) -> None:
    """Fill a source's snapshot from history so a restart keeps serving the last data."""
    source = state.source
    rows = await store.latest(source.name)
    windows = all_windows(source, extra_windows or {})
    rates = {}
    for row in rows:
        stats = await store.stats(source.name, row.pair, row.rate, now, windows)
        rates[row.pair] = Rate.build(source.name, row.printed, stats, row.last_seen)
    state.rates = rates
    if rows:
        state.last_success_at = max(row.last_seen for row in rows)
    expect_next_poll(state)
