"""What the service currently knows about each source: the snapshot that metrics, the API
and the landing page read. Pure data, updated by the poller."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from tickerwatch.core.crosscheck import Deviation, deviations
from tickerwatch.core.errors import FAILURE_REASONS, FailureReason
from tickerwatch.core.model import (
    Conflict,
    Deduplicated,
    Pair,
    PrintedRate,
    SeriesStats,
    Unreadable,
)
from tickerwatch.core.parse import ReadKey
from tickerwatch.core.settings import Source


@dataclass(frozen=True, slots=True)
class Rate:
    """A pair's current printed rate with what history says about it: when it was last seen
    (`updated_at`) and last changed, the value before, and its change over each window
    (ratios; `window_rates` the rates then)."""

    source: str
    printed: PrintedRate
    updated_at: float
    changed_at: float
    previous: Decimal | None
    window_changes: dict[str, float]
    window_rates: dict[str, Decimal] = field(default_factory=dict)
    row_id: int = 0

    @property
    def pair(self) -> Pair:
        return self.printed.pair

    def seen(self, now: float) -> Rate:
        """The same rate, printed again at `now`."""
        return Rate(
            self.source, self.printed, now, self.changed_at, self.previous, self.window_changes,
            self.window_rates, self.row_id,
        )  # fmt: skip

    @classmethod
    def build(cls, source: str, printed: PrintedRate, stats: SeriesStats, now: float) -> Rate:
        bases = {w: then for w, then in stats.window_rates.items() if then is not None and then > 0}
        changes = {w: float(printed.rate / then - 1) for w, then in bases.items()}
        return cls(
            source, printed, now, stats.changed_at, stats.previous, changes, bases, stats.row_id
        )


POLL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60)


@dataclass(slots=True)
class PollDurations:
    """A histogram of poll durations: cumulative counts per upper bound, sum and count."""

    buckets: list[int] = field(default_factory=lambda: [0] * len(POLL_BUCKETS))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        for i, bound in enumerate(POLL_BUCKETS):
            if seconds <= bound:
                self.buckets[i] += 1
        self.total += seconds
        self.count += 1


@dataclass(slots=True)
class SourceState:
    """Mutable per-source status; replaced values only, so readers see whole snapshots."""

    source: Source
    started_at: float
    up: bool = False
    polls: int = 0
    stale_polls: int = 0  # bodies dated before the newest rates recorded (not stored)
    skipped_polls: int = 0  # scheduled polls not run: the last still running, or too late
    last_poll_at: float | None = None
    last_success_at: float | None = None
    expected_at: float | None = None  # cron sources: the first poll due after the last good one
    last_error: str | None = None
    last_reason: FailureReason | None = None
    last_error_at: float | None = None
    last_duration: float | None = None
    entries: int = 0
    pairs: int = 0
    context_before: str = ""
    context_after: str = ""
    conflicts: tuple[Conflict, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()  # on the last parsed page, once per text
    unreadable_entries: int = 0  # on the last parsed page, repeats included
    encoding: str = ""  # the codec the last fetched body was decoded with
    encoding_origin: str = ""  # bom, http, meta, detected or default
    replaced: int = 0  # invalid byte sequences in the last fetched body
    decode_errors: int = 0  # invalid byte sequences in every fetched body, in total
    rates: dict[Pair, Rate] = field(default_factory=dict)
    last_result: Deduplicated | None = None
    read_key: ReadKey | None = None  # what the last ticker was read from (parse_changed)
    etag: str | None = None
    last_modified: str | None = None
    fetched_url: str | None = None  # the URL the validators belong to (dated URLs change)
    version: int = 0  # bumped whenever anything /metrics shows of this source changes
    stats_at: float = 0.0  # when history statistics were last computed
    failures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAILURE_REASONS, 0))
    conflict_counts: dict[Pair, int] = field(default_factory=dict)
    durations: PollDurations = field(default_factory=lambda: PollDurations())

    def changed(self) -> None:
        self.version += 1

    def age(self, now: float) -> float | None:
        return None if self.last_success_at is None else max(0.0, now - self.last_success_at)

    def stale(self, now: float) -> bool:
        """No good poll for stale_after, counted from the last good poll (from start when
        there never was one) — or, when `expected_at` is set (a cron source), from the
        first poll scheduled after it, so the hours without polls never count; or, for a
        source that dates its rates, the newest effective date is more than stale_after ago
        (a daily feed needs a stale_after that spans a long weekend)."""
        effective = self.newest_effective
        if effective is not None and now - effective > self.source.stale_after:
            return True
        if self.expected_at is not None:
            since = self.expected_at
        elif self.last_success_at is not None:
            since = self.last_success_at
        else:
            since = self.started_at
        return now - since > self.source.stale_after

    @property
    def newest_effective(self) -> float | None:
        """The newest effective date of the rates held (Unix seconds), None for undated."""
        dates = [r.printed.effective for r in self.rates.values()]
        return max((d for d in dates if d is not None), default=None)

    def live_rates(self, now: float) -> list[Rate]:
        """Rates not yet past drop_after: older ones disappear rather than freeze."""
        return [r for r in self.rates.values() if now - r.updated_at <= self.source.drop_after]

    def deviations(
        self, states: Mapping[str, SourceState], now: float, names: Iterable[str] = ()
    ) -> list[Deviation]:
        """This source's live rates against its references' (or `names`, a subset), as
        crosscheck.deviations gives them; a reference not running, or stale (`stale`: its
        newest rates or its last good poll older than its stale_after), is skipped: an
        official rate months old says nothing of today's ticker."""
        wanted = tuple(names) or self.source.references
        references = {
            n: {r.pair: r.printed for r in states[n].live_rates(now)}
            for n in wanted
            if n in states and not states[n].stale(now)
        }
        mine = [r.printed for r in self.live_rates(now)]
        return deviations(self.source.name, mine, references) if references else []

    def missing_pairs(self) -> list[Pair]:
        return [p for p in self.source.pairs if p not in self.rates]

    def missing_reasons(self) -> dict[Pair, str]:
        """Why each missing expected pair is missing, when the last page printed it in a
        form that could not be read."""
        missing = set(self.missing_pairs())
        reasons: dict[Pair, str] = {}
        for entry in self.unreadable:
            if entry.pair in missing:
                reasons.setdefault(entry.pair, f"unreadable: {entry.text!r}: {entry.message}")
        return reasons


def inverse(rate: Decimal, decimals: int) -> tuple[Decimal, Decimal, Decimal]:
    """1/rate with the significant digits the printed rate carries, and the range of
    inverses consistent with it: 0.01144 (±0.000005) → 87.41 within 87.374–87.451.

    An inverse that is exact in a few digits more is shown exactly (UZS/USD 0.00008 →
    12500, not 1E+4 or 12000, within 11765–13333); else, when so few digits are printed
    that rounding would leave the range, one more digit is shown."""
    half_step = Decimal(1).scaleb(-decimals) / 2
    with localcontext() as ctx:
        ctx.prec = 28
        exact = 1 / rate
        low = 1 / (rate + half_step)
        high = 1 / (rate - half_step) if rate > half_step else Decimal("Infinity")
        ctx.rounding = ROUND_HALF_EVEN
        digits = max(1, len(rate.as_tuple().digits))
        rounded = exact
        shown = exact.normalize()
        if len(shown.as_tuple().digits) <= digits + 2:
            rounded = shown.quantize(Decimal(1)) if shown == shown.to_integral() else shown
        else:
            for precision in range(digits, 29):
                ctx.prec = precision
                rounded = +exact
                if low <= rounded <= high:
                    break
        # The bounds one digit finer than the inverse (at least 5), so they differ and
        # hold it: NBKR's 87.4500 → 0.0114351 within 0.01143510–0.01143511.
        ctx.prec = max(5, len(rounded.as_tuple().digits) + 1)
        return rounded, +low, +high
