"""Plain data shared by the pure modules: pairs, ticker entries, quotes, pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple


@dataclass(frozen=True, slots=True, order=True)
class Pair:
    """A currency pair: `rate` units of `quote` buy one unit of `base` (KGS/USD)."""

    base: str
    quote: str

    def __str__(self) -> str:
        return f"{self.base}/{self.quote}"

    @classmethod
    def parse(cls, text: str) -> Pair:
        base, sep, quote = text.strip().upper().partition("/")
        if not sep or not _is_code(base) or not _is_code(quote):
            raise ValueError(f"not a currency pair: {text!r} (expected e.g. KGS/USD)")
        return cls(base, quote)


def _is_code(text: str) -> bool:
    return len(text) == 3 and text.isascii() and text.isalpha()


class TickerEntry(NamedTuple):
    """One `KGS/USD = 0.01144 -0%` item as printed, with where it stood in the page text.
    A named tuple: a marquee prints dozens per page, and tuples are cheap to make."""

    pair: Pair
    rate: Decimal
    change_pct: Decimal
    start: int
    end: int

    @property
    def decimals(self) -> int:
        return decimals_of(self.rate)

    @property
    def value(self) -> tuple[str, str]:
        """What two copies must share to agree: the printed numbers. Decimal("-0") equals
        Decimal("0"), so compare text to keep the sign of a -0 change."""
        return (str(self.rate), str(self.change_pct))


def decimals_of(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def resolution_of(decimals: int) -> Decimal:
    """The smallest step a number printed with `decimals` decimals can move."""
    return Decimal(1).scaleb(-decimals)


@dataclass(frozen=True, slots=True)
class Quote:
    """The de-duplicated value of one pair on one page."""

    pair: Pair
    rate: Decimal
    change_pct: Decimal
    decimals: int
    copies: int

    @property
    def resolution(self) -> Decimal:
        return resolution_of(self.decimals)

    @property
    def change_ratio(self) -> Decimal:
        """The printed change as a ratio (-0.22% → -0.0022; -0% stays negative zero)."""
        return self.change_pct.scaleb(-2)


@dataclass(frozen=True, slots=True)
class Conflict:
    """Copies of one pair on the same page that disagree; `chosen` is the value most show."""

    pair: Pair
    values: tuple[str, ...]
    chosen: str


@dataclass(frozen=True, slots=True)
class Ticker:
    """What a page's ticker says: every entry in the ticker block and where the block stood."""

    entries: tuple[TickerEntry, ...]
    text: str
    start: int
    end: int

    def context(self, around: int = 160) -> tuple[str, str]:
        """The page text just before and just after the ticker block, to explain a match."""
        before = self.text[max(0, self.start - around) : self.start].rstrip()
        return before, self.text[self.end : self.end + around].lstrip()


@dataclass(frozen=True, slots=True)
class Deduplicated:
    quotes: tuple[Quote, ...]
    entries: int
    conflicts: tuple[Conflict, ...] = field(default=())

    def quote_for(self, pair: Pair) -> Quote | None:
        return next((q for q in self.quotes if q.pair == pair), None)


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page. `body` is None when the server answered 304 Not Modified."""

    url: str
    status: int
    content_type: str
    body: str | None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.body is None


@dataclass(frozen=True, slots=True)
class SeriesStats:
    """What history says about a pair's current value."""

    pair: Pair
    first_seen: float
    changed_at: float
    previous: Decimal | None
    window_rates: dict[str, Decimal | None]
    row_id: int = 0  # the series' newest row, which a touch moves forward
