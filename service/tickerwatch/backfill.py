"""`tickerwatch backfill`: a dated source's past days, fetched one by one and imported.

For each day from `--from` to `--to`, the source's URL is filled with that day's date (its
placeholders, core.dates, in the source's time zone), fetched through the service's fetcher
(the source's timeout, body limit, proxy, redirects, encoding: Fetcher.fetch_source), read
and dated as `tickerwatch import` reads a feed, and merged at once, so an interrupted
backfill keeps what it did. Politely (`Polite`): one request at a time, `delay` seconds
between requests and between retries (doubling), longer when the server asks with
Retry-After; days that share a URL fetch it once. Resumable: a day whose URL was imported
before is not fetched again; a day that failed is fetched again next time. Days before
1990-01-01 or after today in the source's time zone are skipped with the reason, never
fetched: a bank answers a future date with its latest file, which must not be remembered
as that day's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tickerwatch.core.dates import dated_url, is_dated, zone
from tickerwatch.core.errors import FetchError, PollError
from tickerwatch.core.model import Page
from tickerwatch.core.pagedate import EARLIEST, midnight
from tickerwatch.core.settings import Source
from tickerwatch.fetch.client import Clients, Fetcher, RetryPolicy
from tickerwatch.importer import sightings_of
from tickerwatch.sources.archive import Saved
from tickerwatch.store.sqlite import HistoryDB

MAX_DAYS = 3660  # ten years of days: a typo in a year is refused, not fetched
TRIES = 3  # requests for one day's URL when the answer is worth retrying


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
    failed: dict[str, str] = {}  # URLs that failed in this run (a URL may serve many days)
    today = datetime.fromtimestamp(now, zone(source.timezone)).date()
    async with Clients() as clients:
        polite = Polite(Fetcher(clients, RetryPolicy(attempts=1), concurrency=1), delay, say)
        for day in wanted:
            why = refused(day, today)
            url = dated_url(source.url, midnight(day, source.timezone), source.timezone)
            if why is not None:
                result.skipped.append((day, why))
                say(f"{day.isoformat()}: skipped: {why}")
                continue
            if url in done:
                result.done_before.append(day)
                continue
            outcome = failed.get(url) or await _day(db, polite, source, url, now)
            if isinstance(outcome, str):
                failed[url] = outcome
                result.failed.append((day, outcome))
                say(f"{day.isoformat()}: failed: {outcome}")
            else:
                done.add(url)
                result.imported.append((day, outcome))
                say(f"{day.isoformat()}: {outcome} new sightings")
    return result


@dataclass(slots=True)
class Polite:
    """One request at a time through `fetcher` (which makes one attempt): `delay` seconds
    between requests, longer when the server asks (Retry-After, honoured whole); an answer
    worth retrying (HTTP 429, 5xx, a dropped connection) is asked again up to TRIES times,
    waiting `delay`, then twice that."""

    fetcher: Fetcher
    delay: float
    say: Callable[[str], None]
    pause: float = 0.0  # seconds owed before the next request

    async def get(self, source: Source, url: str) -> Page | str:
        """The page at `url` (fetched with `source`'s settings), or why not."""
        for attempt in range(TRIES):
            await asyncio.sleep(self.pause)
            try:
                page = await self.fetcher.fetch_source(source, url)
            except FetchError as exc:
                asked = exc.retry_in
                self.pause = max(self.delay * 2**attempt, asked or 0.0)
                if asked is not None and asked > self.delay:
                    self.say(f"{url}: the server asks to wait {asked:g}s (Retry-After)")
                if asked is None or attempt + 1 == TRIES:
                    return str(exc)
                continue
            except PollError as exc:
                self.pause = self.delay
                return str(exc)
            self.pause = self.delay
            return page
        raise AssertionError("unreachable")  # pragma: no cover


async def _day(db: HistoryDB, polite: Polite, source: Source, url: str, now: float) -> int | str:
    """New sightings of one day's URL, or why there are none."""
    page = await polite.get(source, url)
    if isinstance(page, str):
        return page
    found = sightings_of(Saved(url, page, url), source, "page", now)
    if isinstance(found, str):
        return found
    return db.import_sightings(source.name, [(s, url) for s in found[1]]).new
