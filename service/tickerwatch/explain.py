"""`tickerwatch parse`: what tickerwatch reads from a page, and why — with the reader the
service would use (a built-in format, a feed format, a custom pattern, or a configured
source's own settings), which groups a pattern matched, what could not be read, and how
the page was decoded."""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from tickerwatch.config import default_config_path, load_settings, source_named
from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.model import Conflict, Page, PrintedRate, Ticker
from tickerwatch.core.parse import BUILTIN, Widget, compile_pattern
from tickerwatch.core.parse.formats import EntryPattern
from tickerwatch.core.settings import Source
from tickerwatch.core.units import rfc3339
from tickerwatch.sources import READERS
from tickerwatch.sources.local import read_source


def source_for(args: argparse.Namespace) -> Source:
    """The source whose settings read the page: `--source NAME` from the config, else one
    made of --format or --pattern (with --base, --quote, --change-unit) and the defaults.
    Raises ValueError (a bad pattern) or ConfigError."""
    if args.source:
        path: Path = args.config or default_config_path()
        source = source_named(load_settings(path), args.source, path)
    elif args.pattern:
        for flag, code in (("--base", args.base), ("--quote", args.quote)):
            if code is not None and not re.fullmatch("[A-Z]{3}", code):
                raise ValueError(f"{flag}: expected a currency code in capitals such as KGS")
        widget = Widget(args.base, args.quote, args.change_unit == "absolute")
        source = _source("pattern", compile_pattern(args.pattern, widget), widget)
    else:
        source = _source(args.format, BUILTIN.get(args.format, BUILTIN["timesca"]), None)
    if args.decimal_mark:
        source = replace(source, decimal_mark=args.decimal_mark)
    return source


def _source(fmt: str, pattern: EntryPattern, widget: Widget | None) -> Source:
    return Source(
        "parse", "", fmt, pattern, (), 300.0, 0.0, 20.0, 5 * 2**20, 7200.0, 7 * 86400.0, (),
        widget=widget,
    )  # fmt: skip


def read(src: str, source: Source) -> tuple[Page, Ticker]:
    """Fetch or open SRC and read it as the service reads `source` (PollError, OSError)."""
    page = read_source(src, source.encoding)
    ticker = READERS[source.format](page, source, None)[1]
    assert ticker is not None  # nothing to compare with: always read
    return page, ticker


def groups(ticker: Ticker, source: Source) -> list[dict[str, str | None]]:
    """For a custom pattern: the groups it matched in the first entry of each pair, and
    the codes the source fixes (`fixed base` …); [] for other formats."""
    if source.format != "pattern":
        return []
    seen: dict[str, dict[str, str | None]] = {}
    for entry in ticker.entries:
        match = source.entry_pattern.match(ticker.text, entry.start, entry.end)
        if match is None or str(entry.pair) in seen:
            continue
        found = {g: match.groupdict().get(g) for g in ("base", "quote", "rate", "change")}
        widget = source.widget or Widget()
        for code in ("base", "quote"):
            if found[code] is None and getattr(widget, code) is not None:
                found[code] = f"{getattr(widget, code)} (fixed)"
        seen[str(entry.pair)] = found
    return list(seen.values())


def as_json(page: Page, ticker: Ticker, source: Source) -> dict[str, Any]:
    result = deduplicate(ticker.entries, ticker.unreadable)
    copies = Counter(u.text for u in ticker.unreadable)
    return {
        "quotes": [_rate(q) for q in result.rates],
        "entries": result.entries,
        "conflicts": [_conflict(c) for c in result.conflicts],
        "unreadable": [
            {"text": u.text, "reason": u.reason, "message": u.message, "copies": copies[u.text]}
            for u in result.unreadable
        ],
        "groups": groups(ticker, source),
        "decoding": {
            "encoding": page.encoding,
            "from": page.encoding_origin,
            "replaced": page.replaced,
        },
    }


def _conflict(c: Conflict) -> dict[str, Any]:
    return {
        "base": c.pair.base,
        "quote": c.pair.quote,
        "values": list(c.values),
        "chosen": c.chosen,
    }


def _rate(q: PrintedRate) -> dict[str, Any]:
    out: dict[str, Any] = {
        "base": q.pair.base,
        "quote": q.pair.quote,
        "rate": str(q.rate),
        "change_pct": None if q.change_pct is None else str(q.change_pct),
        "decimals": q.decimals,
        "copies": q.copies,
    }
    if q.change_abs is not None:
        out["change_abs"] = str(q.change_abs)
    if q.effective is not None:
        out["effective"] = rfc3339(q.effective)
    return out


def as_text(src: str, page: Page, ticker: Ticker, source: Source) -> str:
    result = deduplicate(ticker.entries, ticker.unreadable)
    copies = Counter(u.text for u in ticker.unreadable)
    lines = [
        f"{src}: {_count(result.entries, 'ticker entry', 'ticker entries')},"
        f" {_count(len(result.rates), 'pair')}, {_count(len(result.conflicts), 'conflict')},"
        f" {result.unreadable_entries} unreadable",
        "",
        f"{'pair':<9} {'rate':>10} {'change':>8} {'copies':>6}",
    ]
    lines += [
        f"{q.pair!s:<9} {q.rate!s:>10} {_change(q):>8} {q.copies:>6}"
        + ("" if q.effective is None else f"  effective {rfc3339(q.effective)}")
        for q in result.rates
    ]
    lines += [
        f"conflict {c.pair}: {', '.join(c.values)} → kept {c.chosen}" for c in result.conflicts
    ]
    lines += [
        f"unreadable {u.text} ×{copies[u.text]}: {u.reason}: {u.message}" for u in result.unreadable
    ]
    for found in groups(ticker, source):
        lines.append("groups: " + " ".join(f"{g}={v!r}" for g, v in found.items()))
    return "\n".join([*lines, *_context(ticker), _decoding(page)])


def _change(q: PrintedRate) -> str:
    if q.change_abs is not None:
        return f"{q.change_abs:+}"
    return "—" if q.change_pct is None else f"{q.change_pct}%"


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _context(ticker: Ticker) -> list[str]:
    if not ticker.text:
        return []
    before, after = ticker.context()
    return [
        "",
        "text before the ticker:",
        _quote(before[-200:]),
        "text after the ticker:",
        _quote(after[:200]),
    ]


def _decoding(page: Page) -> str:
    return (
        f"decoded as {page.encoding} (from {page.encoding_origin}); "
        f"{_count(page.replaced, 'invalid byte sequence')} replaced with U+FFFD"
    )


def _quote(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.strip("\n").splitlines()) or "  | (nothing)"


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
