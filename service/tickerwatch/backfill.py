"""`tickerwatch backfill`: a dated source's past days, fetched one by one and imported.

For each day from `--from` to `--to`, the source's URL is filled with that day's date (its
placeholders, core.dates, in the source's time zone), fetched through the service's fetcher
(the source's timeout, body limit, proxy, redirects, encoding; retries honouring
Retry-After), read and dated as `tickerwatch import` reads a feed, and merged at once, so an
interrupted backfill keeps what it did. Politely: one request at a time, `delay` seconds
between requests. Resumable: a day whose URL was imported before is not fetched again; a
day that failed is fetched again next time. Days before 1990-01-01 or after today in the
source's time zone are skipped with the reason, never fetched: a bank answers a future date
with its latest file, which must not be remembered as that day's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tickerwatch.core.dates import dated_url, is_dated, zone
from tickerwatch.core.errors import PollError
from tickerwatch.core.pagedate import EARLIEST, midnight
from tickerwatch.core.settings import Source
from tickerwatch.fetch.client import Clients, Fetcher
from tickerwatch.importer import sightings_of
from tickerwatch.sources.archive import Saved
from tickerwatch.store.sqlite import HistoryDB

MAX_DAYS = 3660  # ten years of days: a typo in a year is refused, not fetched


@dataclass(slots=True)
class Backfill:
    """What a backfill did, day by day: imported (sightings new), already imported before
    (not fetched), skipped (day, reason: out of range, not fetched), failed (day, reason)."""

    imported: list[tuple[date, int]] = field(default_factory=list)
    done_before: list[date] = field(default_factory=list)
    skipped: list[tuple[date, str]] = field(default_factory=list)
    failed: list[tuple[date, str]] = field(default_factory=list)

    def lines(self) -> Iterator[str]:
        new = sum(n for _, n in self.imported)
        yield (
            f"days: {len(self.imported)} fetched and imported ({new} new sightings),"
            f" {len(self.done_before)} imported before (not fetched),"
            f" {len(self.skipped)} skipped, {len(self.failed)} failed"
        )
        for day, reason in self.skipped:
            yield f"skipped {day.isoformat()}: {reason}"
        for day, reason in self.failed:
            yield f"failed {day.isoformat()}: {reason}"


def days(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included (ValueError when reversed or over
    MAX_DAYS)."""
    count = (last - first).days + 1
    if count < 1:
        raise ValueError(f"--to {last} is before --from {first}")
    if count > MAX_DAYS:
        raise ValueError(f"{count} days: at most {MAX_DAYS} in one backfill")
    return [first + timedelta(days=i) for i in range(count)]


def backfill(
    db: HistoryDB,
    source: Source,
    wanted: list[date],
    delay: float,
    say: Callable[[str], None] = lambda line: None,
    now: float | None = None,
) -> Backfill:
    """Fetch and import each day of `wanted` (ValueError when the source's URL names no
    date); `say` hears one line per day as it goes; `now` (Unix seconds, default the
    clock) says which day is today in the source's time zone."""
    if not is_dated(source.url):
        raise ValueError(f"source {source.name}: its url names no date (%Y, %m, %d …)")
    when = time.time() if now is None else now
    return asyncio.run(_run(db, source, wanted, delay, say, when))


def refused(day: date, today: date) -> str | None:
    """Why `day` is not fetched: before EARLIEST, or after `today`."""
    if day < EARLIEST:
        return f"before {EARLIEST.isoformat()}: cannot be right"
    if day > today:
        return f"after today ({today.isoformat()}): the feed has no file for it yet"
    return None


async def _run(
    db: HistoryDB,
    source: Source,
    wanted: list[date],
    delay: float,
    say: Callable[[str], None],
    now: float,
) -> Backfill:
    result = Backfill()
    done = db.import_origins(source.name)
    today = datetime.fromtimestamp(now, zone(source.timezone)).date()
    fetched = False
    async with Clients() as clients:
        fetcher = Fetcher(clients, concurrency=1)
        for day in wanted:
            why = refused(day, today)
            if why is not None:
                result.skipped.append((day, why))
                say(f"{day.isoformat()}: skipped: {why}")
                continue
            url = dated_url(source.url, midnight(day, source.timezone), source.timezone)
            if url in done:
                result.done_before.append(day)
                continue
            if fetched:
                await asyncio.sleep(delay)
            fetched = True
            outcome = await _day(db, fetcher, source, url, now)
            if isinstance(outcome, str):
                result.failed.append((day, outcome))
                say(f"{day.isoformat()}: failed: {outcome}")
            else:
                result.imported.append((day, outcome))
                say(f"{day.isoformat()}: {outcome} new sightings")
    return result


async def _day(db: HistoryDB, fetcher: Fetcher, source: Source, url: str, now: float) -> int | str:
    """New sightings of one day's URL, or why there are none."""
    try:
        page = await fetcher.fetch_source(source, url)
    except PollError as exc:
        return str(exc)
    found = sightings_of(Saved(url, page, url), source, "page", now)
    if isinstance(found, str):
        return found
    return db.import_sightings(source.name, [(s, url) for s in found[1]]).new
