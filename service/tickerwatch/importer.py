"""`tickerwatch import`: saved pages → dated sightings → the run-length history.

Each page is read with its source's reader (the format the service polls it with), its
marquee copies collapsed (core.dedup), and dated: a feed by the date its rates take effect,
a ticker page by the date printed below its ticker (core.pagedate), else by the fallback
given with `--date-from` (`mtime`, `filename`, or a fixed date). Every page not imported is
listed with its reason. The sightings are merged in one transaction (store.imports).
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.errors import PollError
from tickerwatch.core.merge import Sighting
from tickerwatch.core.pagedate import DateError, fixed_date, name_date, out_of_range, page_date
from tickerwatch.core.settings import FEED_FORMATS, Source
from tickerwatch.core.units import format_duration, rfc3339
from tickerwatch.fetch.client import Clients, Fetcher
from tickerwatch.sources import reader_for
from tickerwatch.sources.archive import Saved, files_under, read_saved
from tickerwatch.store.imports import Imported
from tickerwatch.store.sqlite import HistoryDB

FALLBACKS = ("page", "mtime", "filename")
UNDATED = "undated: no date below the ticker (give --date-from mtime, filename or a date)"


@dataclass(slots=True)
class Summary:
    """What an import read: pages `read`, `dated` (by how), `skipped` (origin, reason),
    the sightings found, and what the store made of them."""

    read: int = 0
    dated: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    sightings: list[tuple[Sighting, str]] = field(default_factory=list)
    stored: Imported = field(default_factory=Imported)

    def lines(self) -> Iterator[str]:
        how = ", ".join(f"{n} from {k}" for k, n in sorted(self.dated.items()))
        dated = sum(self.dated.values())
        skipped = len(self.skipped)
        yield f"read {self.read} pages: {dated} dated ({how or 'none'}), {skipped} skipped"
        s = self.stored
        yield (
            f"sightings: {s.new} new, {s.repeated} already known; {s.rows} imported rows"
            f" written; {s.absorbed} already in the live history, {len(s.conflicts)} conflicting"
        )
        for origin, reason in self.skipped:
            yield f"skipped {origin}: {reason}"
        for _, sighting, first, last, live in s.conflicts:
            q = sighting.rate
            shown = f"{q.rate} {q.change_text}".strip()
            yield (
                f"conflict {rfc3339(sighting.at)} {q.pair} {shown}: the live history shows"
                f" {live} from {rfc3339(first)} to {rfc3339(last)}; not imported"
            )

    def older_than(self, before: float) -> list[str]:
        """The pages (origins) dated before `before` (Unix seconds): what `retention`
        deletes at the service's next start."""
        return sorted({origin for s, origin in self.sightings if s.at < before})


def retention_warning(summary: Summary, retention: float, now: float) -> str | None:
    """A warning when pages imported are older than `retention` (seconds), else None."""
    old = summary.older_than(now - retention)
    if not old:
        return None
    cut = rfc3339(now - retention)[:10]
    return (
        f"warning: {len(old)} pages are dated before {cut}, older than storage.retention"
        f" ({format_duration(retention)}): the service deletes their rows at its next start"
        " (raise storage.retention to keep them)"
    )


def fallback_of(text: str, source: Source, now: float) -> str | float:
    """`--date-from`: one of FALLBACKS, or a fixed date as Unix seconds (DateError, also
    for a date that cannot be right: core.pagedate.out_of_range from `now`)."""
    if text in FALLBACKS:
        return text
    at = fixed_date(text, source.timezone)
    refused = out_of_range(at, source.timezone, now)
    if refused is not None:
        raise DateError(f"{text!r}: {refused}")
    return at


def run_import(
    db: HistoryDB,
    source: Source,
    inputs: Sequence[str],
    fallback: str | float,
    now: float | None = None,
) -> Summary:
    """Read, date and merge every page of `inputs` (files, directories, WARC files, URLs);
    a page dated out of range (from `now`, default the clock) is skipped."""
    summary = Summary()
    when = time.time() if now is None else now
    for saved in _saved(inputs, source):
        summary.read += 1
        found = sightings_of(saved, source, fallback, when)
        if isinstance(found, str):
            summary.skipped.append((saved.origin, found))
        else:
            how, sightings = found
            summary.dated[how] += 1
            summary.sightings += [(s, saved.origin) for s in sightings]
    summary.stored = db.import_sightings(source.name, summary.sightings)
    return summary


def sightings_of(
    saved: Saved, source: Source, fallback: str | float, now: float
) -> tuple[str, list[Sighting]] | str:
    """The page's dated sightings and how the date was found, or why there are none (also
    a date that cannot be right, core.pagedate.out_of_range from `now`, Unix seconds)."""
    if saved.page is None:
        return saved.error
    try:
        ticker = reader_for(source)(saved.page, source, None)[1]
    except PollError as exc:
        return str(exc)
    assert ticker is not None  # nothing to compare with: always read
    rates = deduplicate(ticker.entries, ticker.unreadable).rates
    if not rates:
        return "no rates on the page"
    if source.format in FEED_FORMATS:
        dates = {q.effective for q in rates if q.effective is not None}
        how, at = "feed", max(dates, default=None)
    else:
        how, at = "page", page_date(ticker.text, ticker.end, source.timezone)
    if at is None:
        how, at = _fallback(saved, source, fallback)
    if at is None:
        return f"undated: {how}" if how != "page" else UNDATED
    refused = out_of_range(at, source.timezone, now)
    if refused is not None:
        return f"{refused} (date from {how})"
    return how, [Sighting(at, q) for q in rates]


def _fallback(saved: Saved, source: Source, fallback: str | float) -> tuple[str, float | None]:
    if isinstance(fallback, float):
        return "the fixed date", fallback
    if fallback == "mtime":
        return "mtime", saved.mtime
    if fallback == "filename":
        at = name_date(saved.name, source.timezone)
        return "filename" if at is not None else f"no date in the name {saved.name!r}", at
    return "page", None


def _saved(inputs: Iterable[str], source: Source) -> Iterator[Saved]:
    for target in inputs:
        if target.startswith(("http://", "https://")):
            yield _fetched(target, source)
            continue
        try:
            paths = list(files_under(Path(target)))
        except OSError as exc:
            yield Saved(target, None, target, error=f"cannot read: {exc}")
            continue
        for path in paths:
            try:
                yield from read_saved(path, source.encoding, source.max_body)
            except (OSError, EOFError, ValueError, zlib.error) as exc:  # a damaged archive
                yield Saved(str(path), None, path.name, error=f"cannot read: {exc}")


def _fetched(url: str, source: Source) -> Saved:
    """A URL fetched as a poll of `source` fetches it (Fetcher.fetch_source)."""

    async def go() -> Saved:
        async with Clients() as clients:
            try:
                page = await Fetcher(clients).fetch_source(source, url)
            except PollError as exc:
                return Saved(url, None, url.rsplit("/", 1)[-1], error=str(exc))
        return Saved(url, page, url.rstrip("/").rsplit("/", 1)[-1])

    return asyncio.run(go())
