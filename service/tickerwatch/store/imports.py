"""Imported history: saved pages' sightings stored, and each touched pair's imported rows
rebuilt from all its sightings and its live rows (core.merge), in one transaction."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tickerwatch.core.merge import Run, Sighting, Span, merge
from tickerwatch.core.model import Pair, PrintedRate, PrintedValue

Series = tuple[str, Pair]  # (source, pair)


@dataclass(slots=True)
class Imported:
    """What one import did: `new` sightings stored (`repeated` ones were already), imported
    `rows` written for the pairs they touch, sightings the live history already holds
    (`absorbed`), and those that contradict it (`conflicts`: the sighting and the live
    row's first_seen, last_seen and printed value, `0.00196 -0%`), none of which is
    written. Absorbed and conflicting sightings are counted whether new or repeated: a
    page imported again that still contradicts the live history says so again."""

    new: int = 0
    repeated: int = 0
    rows: int = 0
    absorbed: int = 0
    conflicts: list[tuple[str, Sighting, float, float, str]] = field(default_factory=list)


def import_sightings(
    db: sqlite3.Connection, source: str, sightings: Sequence[tuple[Sighting, str]]
) -> Imported:
    """Store `sightings` of `source` (each with the file or URL it came from) and rebuild the
    imported rows of every pair that got a new one. One transaction; sqlite3.Error escapes
    (the caller turns it into StoreError)."""
    outcome = Imported()
    given: dict[Pair, set[tuple[float, object]]] = defaultdict(set)
    fresh: set[Pair] = set()
    with db:
        for sighting, origin in sightings:
            given[sighting.rate.pair].add((sighting.at, sighting.rate.value))
            if _store(db, source, sighting, origin):
                outcome.new += 1
                fresh.add(sighting.rate.pair)
            else:
                outcome.repeated += 1
        db.executemany(
            "INSERT OR IGNORE INTO imported (source, origin) VALUES (?, ?)",
            [(source, origin) for origin in dict.fromkeys(o for _, o in sightings)],
        )
        for pair, these in given.items():
            merged = merge(_live(db, source, pair), _sightings(db, source, pair))
            if pair in fresh:
                outcome.rows += _rewrite(db, source, pair, merged.runs)
            outcome.absorbed += sum((s.at, s.rate.value) in these for s in merged.absorbed)
            outcome.conflicts += [
                (source, s, span.first, span.last, _printed(span.value))
                for s, span in merged.conflicts
                if (s.at, s.rate.value) in these
            ]
    return outcome


def _rewrite(db: sqlite3.Connection, source: str, pair: Pair, runs: Sequence[Run]) -> int:
    """Replace the pair's imported rows with `runs`; how many were written."""
    db.execute(
        "DELETE FROM history WHERE source=? AND base=? AND quote=? AND imported=1",
        (source, pair.base, pair.quote),
    )
    db.executemany(
        "INSERT INTO history (source, base, quote, rate, change_pct, change_abs,"
        " effective, decimals, first_seen, last_seen, imported)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        [_row(source, run.rate, run.first, run.last) for run in runs],
    )
    return len(runs)


def _printed(value: PrintedValue) -> str:
    """A live row's value as printed: `0.00196 -0%`, `87.45 +0.1` (absolute), `9.345`."""
    rate, pct, absolute, _ = value
    change = f"{pct}%" if pct else absolute
    return f"{rate} {change}" if change else rate


def _store(db: sqlite3.Connection, source: str, s: Sighting, origin: str) -> bool:
    rate, pct, absolute, effective = s.rate.value
    pair = s.rate.pair
    cursor = db.execute(
        "INSERT OR IGNORE INTO sightings (source, base, quote, at, rate, change_pct,"
        " change_abs, effective, decimals, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (source, pair.base, pair.quote, s.at, rate, pct, absolute, effective, s.rate.decimals,
         origin),
    )  # fmt: skip
    return cursor.rowcount == 1


def _row(source: str, q: PrintedRate, first: float, last: float) -> tuple[object, ...]:
    rate, pct, absolute, effective = q.value
    return (source, q.pair.base, q.pair.quote, rate, pct, absolute or None, effective,
            q.decimals, first, last)  # fmt: skip


def _live(db: sqlite3.Connection, source: str, pair: Pair) -> list[Span]:
    rows = db.execute(
        "SELECT first_seen, last_seen, rate, change_pct, coalesce(change_abs, ''), effective"
        " FROM history WHERE source=? AND base=? AND quote=? AND imported=0",
        (source, pair.base, pair.quote),
    )
    return [
        Span(first, last, (rate, pct, absolute, eff))
        for first, last, rate, pct, absolute, eff in rows
    ]


def _sightings(db: sqlite3.Connection, source: str, pair: Pair) -> list[Sighting]:
    rows = db.execute(
        "SELECT at, rate, change_pct, change_abs, effective, decimals FROM sightings"
        " WHERE source=? AND base=? AND quote=?",
        (source, pair.base, pair.quote),
    )
    return [
        Sighting(at, PrintedRate(pair, Decimal(rate), _dec(pct), decimals, 0, _dec(absolute), eff))
        for at, rate, pct, absolute, eff, decimals in rows
    ]


def _dec(text: str) -> Decimal | None:
    return None if text == "" else Decimal(text)


def origins(db: sqlite3.Connection, source: str) -> set[str]:
    """Every file or URL whose pages of `source` were imported."""
    rows = db.execute("SELECT origin FROM imported WHERE source=?", (source,))
    return {str(origin) for (origin,) in rows}
