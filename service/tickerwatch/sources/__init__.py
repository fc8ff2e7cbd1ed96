"""Reading sources: one reader per source kind behind one function type (`Reader`), chosen
by the source's format, the way blackbox_exporter picks a prober per module; and pages read
from a file, a URL or standard input for `tickerwatch parse` (`local`).

A new kind of source (a central bank's XML or JSON feed) adds its reader to READERS under
its format's name; the poller and everything after it stay as they are.

May import: `tickerwatch.core`, `tickerwatch.fetch`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tickerwatch.core.model import Page, Ticker
from tickerwatch.core.parse import ReadKey
from tickerwatch.core.settings import Source
from tickerwatch.sources.reader import read_ticker

Reader = Callable[[Page, Source, ReadKey | None], tuple[ReadKey, Ticker | None]]
READERS: Final[dict[str, Reader]] = {"timesca": read_ticker, "pattern": read_ticker}


def reader_for(source: Source) -> Reader:
    """The reader of a source's format (the config accepts only formats listed here)."""
    return READERS[source.format]
