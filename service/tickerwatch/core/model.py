"""Plain data shared by the pure modules: pairs, ticker entries, printed rates, pages."""

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
    A named tuple: a marquee prints dozens per page, and tuples are cheap to make.

    Tickers print a percent change (`change_pct`); a feed may print an absolute one instead
    (`change_abs`, quote units per base unit) or none, and dates its rates (`effective`,
    Unix seconds at 00:00 of the body's date in the source's time zone)."""

    pair: Pair
    rate: Decimal
    change_pct: Decimal | None
    start: int
    end: int
    change_abs: Decimal | None = None
    effective: float | None = None

    @property
    def decimals(self) -> int:
        return decimals_of(self.rate)

    @property
    def value(self) -> PrintedValue:
        """What two copies must share to agree (see `printed_value`)."""
        return printed_value(self.rate, self.change_pct, self.change_abs, self.effective)


PrintedValue = tuple[str, str, str, float | None]


def printed_value(
    rate: Decimal,
    change_pct: Decimal | None,
    change_abs: Decimal | None = None,
    effective: float | None = None,
) -> PrintedValue:
    """The one test of "the same printed value": the numbers as printed (rate, percent
    change, absolute change; "" for a change not printed) and the effective date.
    Decimal("-0") equals Decimal("0") and 0.10 equals 0.1, so the text is compared: it keeps
    the sign of a -0 change and the decimals printed."""
    return (str(rate), _text(change_pct), _text(change_abs), effective)


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def printed_change(change_pct: Decimal | None, change_abs: Decimal | None) -> str:
    """A change as printed: `-0.22%`, `-16.5` (absolute), or "" when none is printed."""
    if change_pct is not None:
        return f"{change_pct}%"
    return "" if change_abs is None else str(change_abs)


def decimals_of(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def resolution_of(decimals: int) -> Decimal:
    """The smallest step a number printed with `decimals` decimals can move."""
    return Decimal(1).scaleb(-decimals)


@dataclass(frozen=True, slots=True)
class PrintedRate:
    """What a source prints for one pair, its marquee copies collapsed: the rate (quote
    units per base unit), the decimals printed, how many copies showed it, and the change
    as printed — a percent (`change_pct`, tickers), an absolute change in rate units
    (`change_abs`, feeds such as NBK's and CBU's), or neither; at most one is set.
    `effective` is the Unix time the rate takes effect (00:00 of the body's date in the
    source's time zone), for sources that date their rates (feeds); None otherwise."""

    pair: Pair
    rate: Decimal
    change_pct: Decimal | None
    decimals: int
    copies: int
    change_abs: Decimal | None = None
    effective: float | None = None

    def __post_init__(self) -> None:
        if self.change_pct is not None and self.change_abs is not None:
            raise ValueError("a printed rate has a percent or an absolute change, not both")

    @property
    def value(self) -> PrintedValue:
        return printed_value(self.rate, self.change_pct, self.change_abs, self.effective)

    @property
    def resolution(self) -> Decimal:
        return resolution_of(self.decimals)

    @property
    def change_ratio(self) -> Decimal | None:
        """The printed change as a ratio: -0.22% → -0.0022 (-0% stays negative zero); an
        absolute change c of a rate r → c / (r - c), the ratio to the rate before; None
        when no change is printed (or the rate before would be zero)."""
        if self.change_pct is not None:
            return self.change_pct.scaleb(-2)
        if self.change_abs is None or self.change_abs == self.rate:
            return None
        return self.change_abs / (self.rate - self.change_abs)

    @property
    def change_text(self) -> str:
        return printed_change(self.change_pct, self.change_abs)


@dataclass(frozen=True, slots=True)
class Conflict:
    """Copies of one pair on the same page that disagree; `chosen` is the value most show."""

    pair: Pair
    values: tuple[str, ...]
    chosen: str


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A ticker entry that looks like a quote but whose numbers or codes cannot be read.

    `text` is the entry as printed; `pair` is its pair when the codes could be read;
    `reason` is one of not_a_number, ambiguous, bad_grouping, two_decimal_marks,
    out_of_range, unmatched (starts like an entry, does not read as one), incomplete,
    bad_pair, and for feeds bad_nominal (not a power of ten) and bad_date; `message` says
    it in words."""

    text: str
    pair: Pair | None
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Ticker:
    """What a page's ticker says: every readable entry in the ticker block, the entries that
    could not be read, and where the block stood in the page text."""

    entries: tuple[TickerEntry, ...]
    text: str
    start: int
    end: int
    unreadable: tuple[Unreadable, ...] = ()
    hinted: bool = False  # some entry was read with the decimal mark the others show

    def context(self, around: int = 160) -> tuple[str, str]:
        """The page text just before and just after the ticker block, to explain a match;
        the ticker's own bullets and separators (`• `) are not context."""
        before = self.text[max(0, self.start - around) : self.start].rstrip(_TICKER_MARKS)
        return before, self.text[self.end : self.end + around].lstrip(_TICKER_MARKS)


_TICKER_MARKS = " \t\r\n\u00a0•·∙◦▪▫►▸|"  # what stands between a ticker's entries


@dataclass(frozen=True, slots=True)
class Deduplicated:
    rates: tuple[PrintedRate, ...]
    entries: int
    conflicts: tuple[Conflict, ...] = field(default=())
    unreadable: tuple[Unreadable, ...] = field(default=())  # one per distinct printed text
    unreadable_entries: int = 0  # repeats included

    def rate_for(self, pair: Pair) -> PrintedRate | None:
        return next((q for q in self.rates if q.pair == pair), None)


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page. `body` is None when the server answered 304 Not Modified.

    `encoding` is the Python codec the body was decoded with, `encoding_origin` where that
    came from (bom, http, meta, detected, default), `replaced` the invalid byte sequences
    that became U+FFFD."""

    url: str
    status: int
    content_type: str
    body: str | None
    etag: str | None = None
    last_modified: str | None = None
    encoding: str = ""
    encoding_origin: str = ""
    replaced: int = 0


@dataclass(frozen=True, slots=True)
class SeriesStats:
    """What history says about a pair's current value."""

    pair: Pair
    changed_at: float
    previous: Decimal | None
    window_rates: dict[str, Decimal | None]
    row_id: int = 0  # the series' newest row, which a touch moves forward
