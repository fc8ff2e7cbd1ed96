"""The landing page's recent history: live and imported rows alike, imported ones marked;
a history that cannot be read is said so, the rest of the page still shown."""

from __future__ import annotations

from decimal import Decimal

from tickerwatch.core.model import Pair
from tickerwatch.store.schema import HistoryRow
from tickerwatch.web.landing import render

KZT = Pair("KZT", "USD")


def test_imported_rows_are_listed_like_live_ones_and_marked() -> None:
    rows = [
        HistoryRow("timesca", KZT, Decimal("0.00196"), Decimal("-0"), 5, 1.7e9, 1.7e9),
        HistoryRow("<b>", KZT, Decimal("0.00194"), None, 5, 1765152000, 1765152000,
                   imported=True),
    ]  # fmt: skip
    page = render([], 1.7e9, "ok", recent=rows)
    assert page.count("<span class=imported>imported</span>") == 1
    assert "<td>&lt;b&gt;</td><td>KZT/USD</td><td class=n>0.00194</td><td class=n>—</td>" in page
    assert "<td class=n>-0%</td>" in page and "<td>live</td>" in page


def test_a_history_that_cannot_be_read_is_said_so() -> None:
    page = render([], 1.7e9, "ok", recent="history database error: disk I/O error")
    assert "History cannot be read: history database error: disk I/O error" in page
    assert "No history yet." in render([], 1.7e9, "ok", recent=[])


def test_a_row_dated_before_year_1_in_utc_still_renders() -> None:
    # 0001-01-01 00:00 in Asia/Bishkek is year 0 in UTC: clamped, never a failure.
    year0 = -62135617000.0
    rows = [HistoryRow("timesca", KZT, Decimal("0.00196"), None, 5, year0, 4.1e9, imported=True)]
    page = render([], 1.7e9, "ok", recent=rows)
    assert 'datetime="0001-01-01T00:00:00Z"' in page and 'datetime="2099-12-03T16:53:20Z"' in page
