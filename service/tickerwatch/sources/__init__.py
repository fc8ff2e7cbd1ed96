"""Reading sources: one reader per source kind behind one function type (`Reader`), chosen
by the source's format, the way blackbox_exporter picks a prober per module; and pages read
from a file, a URL or standard input for `tickerwatch parse` (`local`).

Pages that print a ticker are read by `reader` (`timesca`, custom `pattern`s); the central
banks' feeds by one module each (`nbkr`, `nbk`, `cbu`, `nbt`, `cbt`), and generic XML and
JSON documents by the source's `extract:` (`feed`). Every feed goes through `feed`:
documents.py (the hardened XML parser, JSON) → extract.py (XPath, JMESPath) →
core.parse.feed (numbers, nominals, dates). A new kind of source adds its reader to
READERS under its format's name; the poller and everything after it stay as they are.

May import: `tickerwatch.core`, `tickerwatch.fetch`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tickerwatch.core.model import Page, Ticker
from tickerwatch.core.parse import ReadKey
from tickerwatch.core.settings import Source
from tickerwatch.sources import cbt, cbu, nbk, nbkr, nbt
from tickerwatch.sources.feed import read_json, read_xml
from tickerwatch.sources.reader import read_ticker

Reader = Callable[[Page, Source, ReadKey | None], tuple[ReadKey, Ticker | None]]
READERS: Final[dict[str, Reader]] = {
    "timesca": read_ticker,
    "pattern": read_ticker,
    "nbkr": nbkr.read,
    "nbk": nbk.read,
    "cbu": cbu.read,
    "nbt": nbt.read,
    "cbt": cbt.read,
    "xml": read_xml,
    "json": read_json,
}


def reader_for(source: Source) -> Reader:
    """The reader of a source's format (the config accepts only formats listed here)."""
    return READERS[source.format]
