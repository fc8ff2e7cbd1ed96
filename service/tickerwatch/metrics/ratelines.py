"""A source's pair families (tickerwatch_exchange_rate*) as Prometheus sample lines, and
the label and number spelling every family shares (metrics.exposition renders the rest).
A pair's lines are remembered by what they show (`Memo`): a poll that only saw a pair
again renders its updated timestamp alone."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from tickerwatch.core.model import Pair, PrintedRate
from tickerwatch.core.snapshot import Rate, SourceState

NS: Final = "tickerwatch"
RATE: Final = f"{NS}_exchange_rate"


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def label_text(pairs: Iterable[tuple[str, str]]) -> str:
    """Label pairs sorted by name, as prometheus_client writes them."""
    return ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(pairs))


def sample_text(value: float | Decimal) -> str:
    """A sample value: repr of the float (valid in both formats), +Inf/-Inf/NaN spelled out."""
    text = repr(float(value))
    return _SPECIAL.get(text, text)


_SPECIAL: Final = {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}


# Every series' `name{labels} ` is written once and remembered: a render only adds values.
# Bounded: sources × pairs × (families + windows) stays far below this for 1,000 sources.
remembered = functools.lru_cache(maxsize=100_000)


@remembered
def _pair_series(source: str, base: str, quote: str) -> tuple[str, ...]:
    """Series prefixes of one pair: rate, source change, previous, resolution, updated,
    changed, effective (FAMILIES order, without the windowed change ratio)."""
    labels = label_text([("source", source), ("base", base), ("quote", quote)])
    return tuple(f"{RATE}{n}{{{labels}}} " for n in _PAIR_SUFFIXES)


_PAIR_SUFFIXES: Final = (
    "", "_source_change_ratio", "_previous", "_resolution", "_updated_timestamp_seconds",
    "_changed_timestamp_seconds", "_effective_timestamp_seconds",
)  # fmt: skip


@remembered
def _window_series(source: str, base: str, quote: str, window: str) -> str:
    labels = label_text([("source", source), ("base", base), ("quote", quote), ("window", window)])
    return f"{RATE}_change_ratio{{{labels}}} "


@dataclass(frozen=True, slots=True)
class _PairLines:
    """One pair's sample lines but its updated timestamp (the eight rate families without
    `_updated_timestamp_seconds`, FAMILIES order), with what they were rendered from: the
    same objects and values give the same lines."""

    printed: PrintedRate
    window_changes: dict[str, float]
    previous: Decimal | None
    changed_at: float
    lines: tuple[str, ...]

    def fits(self, r: Rate) -> bool:
        return (
            self.printed is r.printed
            and self.window_changes is r.window_changes
            and self.previous == r.previous
            and self.changed_at == r.changed_at
        )


Memo = dict[Pair, _PairLines]


def rate_chunks(state: SourceState, live: list[Rate], memo: Memo) -> list[str]:
    """The eight tickerwatch_exchange_rate* families for the live pairs of one source. A
    pair's lines in `memo` are reused when they fit; `memo` is left holding every live
    pair's lines, and no others."""
    name = state.source.name
    families: tuple[list[str], ...] = tuple([] for _ in range(8))
    rate, printed, change, previous, resolution, updated, changed, effective = families
    for r in live:
        lines = memo.get(r.pair)
        if lines is None or not lines.fits(r):
            lines = memo[r.pair] = _PairLines(
                r.printed, r.window_changes, r.previous, r.changed_at, _pair_lines(state, r)
            )
        for family, line in zip(
            (rate, printed, change, previous, resolution, changed, effective),
            lines.lines,
            strict=True,
        ):
            family.append(line)
        updated_prefix = _pair_series(name, r.pair.base, r.pair.quote)[4]
        updated.append(f"{updated_prefix}{sample_text(r.updated_at)}\n")
    if len(memo) > len(live):
        shown = {r.pair for r in live}
        for pair in [p for p in memo if p not in shown]:
            del memo[pair]
    return ["".join(lines) for lines in families]


def _pair_lines(state: SourceState, r: Rate) -> tuple[str, ...]:
    """One pair's lines of the rate, source change, windowed change, previous, resolution,
    changed and effective families ("" where it has none)."""
    name, base, quote, q = state.source.name, r.pair.base, r.pair.quote, r.printed
    s_rate, s_printed, s_previous, s_resolution, _, s_changed, s_effective = _pair_series(
        name, base, quote
    )
    ratio = q.change_ratio
    return (
        f"{s_rate}{sample_text(q.rate)}\n",
        "" if ratio is None else f"{s_printed}{sample_text(ratio)}\n",
        "".join(
            f"{_window_series(name, base, quote, window)}{sample_text(value)}\n"
            for window, value in r.window_changes.items()
            if window in state.source.windows
        ),
        "" if r.previous is None else f"{s_previous}{sample_text(r.previous)}\n",
        f"{s_resolution}{sample_text(q.resolution)}\n",
        f"{s_changed}{sample_text(r.changed_at)}\n",
        "" if q.effective is None else f"{s_effective}{sample_text(q.effective)}\n",
    )
