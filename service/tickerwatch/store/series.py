"""A poll's history reads, one statement for all its pairs (not one per pair): which newest
rows a poll extends, and each series' statistics (when its value last changed, the value
before, its rate at the start of each window).

The pairs go to SQLite as one JSON parameter (`json_each`), so the statement's text is the
same at every poll whatever the number of pairs (sqlite3 keeps it prepared) and no limit of
bound parameters applies. Every query seeks the history indexes per pair, as a per-pair
statement would; what SQLite cannot tell alone (two printed rates equal as numbers,
`0.00196` and `0.001960`) is decided here with Decimal, as before.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from decimal import Decimal

from tickerwatch.core.model import Pair, PrintedRate, SeriesStats

_PAIRS = "WITH q(i, base, quote) AS (SELECT key, value->>0, value->>1 FROM json_each(?2))"
_SERIES = "FROM history WHERE source=?1 AND base=q.base AND quote=q.quote"
# The newest live row (a seek in the history_live index) and whether the newest row by
# first_seen, imported rows started by `now` included, is an imported one: a poll never
# extends an imported row (imported rows are rebuilt from sightings).
_EXTENDABLE = (
    f"{_PAIRS} SELECT q.i, h.id, h.rate, h.change_pct, coalesce(h.change_abs, ''), h.effective,"
    f" (SELECT imported {_SERIES} AND (imported=0 OR first_seen<=?3)"
    "  ORDER BY first_seen DESC, imported, id DESC LIMIT 1)"
    f" FROM q LEFT JOIN history h ON h.id=(SELECT id {_SERIES} AND imported=0"
    "  ORDER BY id DESC LIMIT 1) ORDER BY q.i"
)
# Each series' two newest rows started by `now`: the value's run almost always ends there.
_NEWEST_TWO = (
    f"{_PAIRS} SELECT q.i, h.rate, h.first_seen FROM q JOIN history h ON h.id IN"
    f" (SELECT id {_SERIES} AND first_seen<=?3 ORDER BY first_seen DESC, id DESC LIMIT 2)"
    " ORDER BY q.i, h.first_seen DESC, h.id DESC"
)
# A series whose two newest rows print the same rate: the run may go back far (a pegged
# rate, dated anew every day). SQLite skips the rows printing the same text; a row printing
# other text is compared here as a number (`3.50` and `3.5` are one run).
_SERIES_UNTIL = "FROM history WHERE source=?1 AND base=?2 AND quote=?3 AND first_seen<=?4"
_OTHER_TEXT = (
    f"SELECT rate, first_seen, id {_SERIES_UNTIL} AND rate!=?5 ORDER BY first_seen DESC, id DESC"
)
_NEXT_ROW = (  # the row after (first_seen, id) = (?5, ?6)
    f"SELECT first_seen {_SERIES_UNTIL} AND (first_seen>?5 OR (first_seen=?5 AND id>?6))"
    " ORDER BY first_seen, id LIMIT 1"
)
_FIRST_ROW = f"SELECT first_seen {_SERIES_UNTIL} ORDER BY first_seen, id LIMIT 1"
_RATE_AT = "(SELECT rate {series} AND first_seen<=?{n} ORDER BY first_seen DESC, id DESC LIMIT 1)"


def _pairs(pairs: Sequence[Pair]) -> str:
    return json.dumps([[p.base, p.quote] for p in pairs])


def extendable(
    db: sqlite3.Connection, source: str, quotes: Sequence[PrintedRate], now: float
) -> list[int | None]:
    """Per quote, in order: the id of its series' newest row when a poll at `now` extends
    it (live, and printing the same value and effective date: history is keyed on the
    body's date, not on the poll's time), else None (the poll starts a new row). The newest
    row is the newest live row, or an imported one started after it but by `now`; imported
    rows dated after `now` (a feed file taking effect tomorrow) are not looked at."""
    if not quotes:
        return []
    rows = db.execute(_EXTENDABLE, (source, _pairs([q.pair for q in quotes]), now)).fetchall()
    found: list[int | None] = []
    for quote, row in zip(quotes, rows, strict=True):
        same = row[1] is not None and not row[6] and tuple(row[2:6]) == quote.value
        found.append(int(row[1]) if same else None)
    return found


def series_stats(
    db: sqlite3.Connection,
    source: str,
    current: Sequence[tuple[Pair, Decimal, int]],
    now: float,
    windows: dict[str, float],
) -> list[SeriesStats]:
    """Per (pair, rate, row id), in order: when the series' rate became `rate` (the first
    row of the newest run of rows printing it, as a number; `now` when the newest row
    does not print it), the rate before that run (None: none), and the rate at the start
    of each window (`now` - its seconds; None before the series' first row). Rows imported
    from pages dated after `now` do not count."""
    if not current:
        return []
    pairs = _pairs([pair for pair, _, _ in current])
    newest: dict[int, list[tuple[str, float]]] = {}
    for i, rate, first_seen in db.execute(_NEWEST_TWO, (source, pairs, now)):
        newest.setdefault(int(i), []).append((rate, first_seen))
    window_rates = _rates_at(db, source, pairs, now, windows, len(current))
    stats = []
    for i, (pair, rate, row_id) in enumerate(current):
        rows = newest.get(i, [])
        changed_at, previous = _run(rows, rate, now)
        if previous is None and len(rows) == 2:  # the run may go on past the two rows
            changed_at, previous = _long_run(db, (source, pair.base, pair.quote, now), rate,
                                             rows[0][0])  # fmt: skip
        stats.append(SeriesStats(pair, changed_at, previous, window_rates[i], row_id))
    return stats


def _run(
    rows: Iterable[tuple[str, float]], rate: Decimal, now: float
) -> tuple[float, Decimal | None]:
    """Walking the rows newest first: where the run printing `rate` starts, and the rate
    before it."""
    changed_at = now
    for printed, seen in rows:
        if Decimal(printed) != rate:
            return changed_at, Decimal(printed)
        changed_at = seen
    return changed_at, None


def _long_run(
    db: sqlite3.Connection, series: tuple[str, str, str, float], rate: Decimal, text: str
) -> tuple[float, Decimal | None]:
    """`_run` over a series' whole history (`series`: source, base, quote, now), whose
    newest rows print `rate` as `text`: the newest row printing another number, and the
    first_seen of the row after it; else the first row's, and no rate before."""
    cursor = db.execute(_OTHER_TEXT, (*series, text))
    for printed, seen, row_id in cursor:
        if Decimal(printed) != rate:
            cursor.close()
            (after,) = db.execute(_NEXT_ROW, (*series, seen, row_id)).fetchone()
            return float(after), Decimal(printed)
    (first,) = db.execute(_FIRST_ROW, series).fetchone()
    return float(first), None


def _rates_at(
    db: sqlite3.Connection, source: str, pairs: str, now: float, windows: dict[str, float], n: int
) -> list[dict[str, Decimal | None]]:
    """Each series' rate at the start of each window; one statement for all."""
    if not windows:
        return [{} for _ in range(n)]
    columns = ", ".join(_RATE_AT.format(series=_SERIES, n=i + 3) for i in range(len(windows)))
    starts = [now - seconds for seconds in windows.values()]
    rows = db.execute(f"{_PAIRS} SELECT {columns} FROM q ORDER BY q.i", (source, pairs, *starts))
    return [
        {
            label: None if rate is None else Decimal(rate)
            for label, rate in zip(windows, row, strict=True)
        }
        for row in rows
    ]
