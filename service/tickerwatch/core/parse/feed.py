"""Feed entries → a ticker: the codes, numbers, nominals and dates a central bank's feed (or
any machine-readable document) prints, read into the same `Ticker` a page gives. Pure.

Each entry becomes the pair BASE/QUOTE at rate = value ÷ nominal, exactly. A nominal is a
power of ten (1, 10, 100 …), so the rate keeps the resolution the feed prints: NBT's KGS
1.0686 per 10 is KGS/TJS 0.10686 (resolution 1e-5), NBKR's USD 87,4500 is USD/KGS 87.4500
(1e-4). A feed that trims trailing zeros (CBT prints 3.5 for 3.5000) names the decimals it
publishes, and shorter values are read with them. An absolute change is divided by the
nominal too. The date is the day the rate takes effect, 00:00 in the source's time zone.

An entry that cannot be read is kept as `Unreadable` with its reason (a number's, or
bad_pair, bad_nominal, bad_date, incomplete), never dropped. A feed with no entries, or
none readable, is ParseError (no_ticker).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, NamedTuple

from tickerwatch.core.dates import DateError, day_start
from tickerwatch.core.errors import ParseError
from tickerwatch.core.model import Pair, Ticker, TickerEntry, Unreadable, decimals_of
from tickerwatch.core.parse.number import DecimalMark, NumberError, read_number
from tickerwatch.core.parse.ticker import MAX_ABS_CHANGE_PCT, MAX_ABS_RATE, MIN_RATE

# A number as the document prints it: text (read by the number reader, whatever its
# decimal mark), or a JSON number, whose `.` is always a decimal point.
Printed = str | Decimal

# How far ahead of the poll a body's date may be: banks publish the next working day's
# rates the day before, a long weekend or holiday ahead. A later date is a typo or a
# broken feed, refused as bad_date, so that it never becomes the date later bodies are
# compared with.
FUTURE_DAYS: Final = 7
_PLAIN: Final = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry as the document prints it: `text` shows it (for messages; or a function
    giving that text, called only for an entry that cannot be read: showing an entry costs
    more than reading it), the rest are the values found, None when absent. `rate` is
    quote units per `nominal` base units; `change` an absolute change in the same units,
    `change_pct` a percent change."""

    text: str | Callable[[], str]
    base: str | None
    quote: str | None
    rate: Printed | None
    nominal: Printed | None = None
    change: Printed | None = None
    change_pct: Printed | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class FeedReading:
    """How a feed's values read: its decimal mark (None: decided by each number), the
    decimals it publishes (0: as printed), whether its entries are dated, the dates'
    strptime format (or "rfc822"), the source's time zone, and the latest date accepted
    (Unix seconds: the poll's time plus FUTURE_DAYS; None: any)."""

    decimal_mark: DecimalMark | None
    decimals: int = 0
    dated: bool = False
    date_format: str = "%Y-%m-%d"
    timezone: str = "UTC"
    latest: float | None = None


class _Refusal(NamedTuple):
    pair: Pair | None
    reason: str
    message: str


def feed_ticker(entries: Sequence[FeedEntry], reading: FeedReading) -> Ticker:
    """The ticker of a feed's entries, in the feed's order; ParseError when it lists none
    or none can be read."""
    if not entries:
        raise ParseError("the feed lists no rates")
    read: list[TickerEntry] = []
    unreadable: list[Unreadable] = []
    for entry in entries:
        result = _read_entry(entry, reading)
        if isinstance(result, _Refusal):
            text = entry.text if isinstance(entry.text, str) else entry.text()
            unreadable.append(Unreadable(text, *result))
        else:
            read.append(result)
    if not read:
        first = unreadable[0]
        raise ParseError(
            f"the feed's {len(unreadable)} entries cannot be read; the first, {first.text!r}:"
            f" {first.message}"
        )
    return Ticker(tuple(read), "", 0, 0, tuple(unreadable))


def _read_entry(entry: FeedEntry, reading: FeedReading) -> TickerEntry | _Refusal:
    pair = _pair(entry)
    if isinstance(pair, _Refusal):
        return pair
    if entry.rate is None:
        return _Refusal(pair, "incomplete", "no rate")
    try:
        scale = _nominal_scale(entry.nominal)
        value = _padded(_number(entry.rate, reading.decimal_mark), reading.decimals)
        change_abs = _optional(entry.change, reading.decimal_mark)
        change_pct = _optional(entry.change_pct, reading.decimal_mark)
    except NumberError as exc:
        return _Refusal(pair, exc.reason, str(exc))
    except _BadNominal as exc:
        return _Refusal(pair, "bad_nominal", str(exc))
    rate = value.scaleb(-scale)
    if not MIN_RATE <= rate < MAX_ABS_RATE:
        return _Refusal(pair, "out_of_range", f"a rate of {rate} is not within 1e-12 to 1e12")
    if change_pct is not None and abs(change_pct) >= MAX_ABS_CHANGE_PCT:
        return _Refusal(pair, "out_of_range", f"a change of {change_pct}% is not a change")
    if change_abs is not None:
        change_abs = change_abs.scaleb(-scale)
        if rate - change_abs <= 0:
            message = f"a change of {change_abs:+} to {rate} means the rate before was not above 0"
            return _Refusal(pair, "out_of_range", message)
    effective = _effective(entry.date, reading)
    if isinstance(effective, _Refusal):
        return effective._replace(pair=pair)
    return TickerEntry(pair, rate, change_pct, 0, 0, change_abs, effective)


def _pair(entry: FeedEntry) -> Pair | _Refusal:
    return _pair_of(entry.base or "", entry.quote or "")


@functools.lru_cache(maxsize=4096)
def _pair_of(base: str, quote: str) -> Pair | _Refusal:
    """A pair's codes read once, not at every entry of every poll (both results are
    immutable)."""
    base, quote = base.strip(), quote.strip()
    if not base or not quote:
        return _Refusal(None, "incomplete", "no currency code")
    try:
        pair = Pair.parse(f"{base}/{quote}")
    except ValueError:
        return _Refusal(None, "bad_pair", f"not a currency pair: {base}/{quote}")
    if pair.base == pair.quote:
        return _Refusal(None, "bad_pair", f"a currency against itself: {pair}")
    return pair


class _BadNominal(ValueError):
    pass


def _nominal_scale(printed: Printed | None) -> int:
    """k for a nominal of 10**k; _BadNominal for anything else (NumberError as numbers)."""
    if printed is None:
        return 0
    if isinstance(printed, str):
        return _printed_nominal_scale(printed)
    return _scale_of(printed)


@functools.lru_cache(maxsize=1024)
def _printed_nominal_scale(printed: str) -> int:
    """_scale_of a printed nominal, read once (a feed prints a handful, poll after poll)."""
    return _scale_of(printed)


def _scale_of(printed: Printed) -> int:
    nominal = _number(printed, ".")
    whole = int(nominal) if nominal == nominal.to_integral_value() else 0
    digits = str(whole)
    if whole < 1 or digits.rstrip("0") != "1":
        raise _BadNominal(f"a nominal of {str(printed).strip()} is not 1, 10, 100 …")
    return len(digits) - 1


def _padded(value: Decimal, decimals: int) -> Decimal:
    """A value printed with trailing zeros trimmed, read with the decimals published."""
    if decimals_of(value) >= decimals:
        return value
    return value.quantize(Decimal(1).scaleb(-decimals))


def _optional(printed: Printed | None, mark: DecimalMark | None) -> Decimal | None:
    if isinstance(printed, str) and not printed.strip():
        return None
    return None if printed is None else _number(printed, mark)


def _number(printed: Printed, mark: DecimalMark | None) -> Decimal:
    """A printed number read by the number reader, or a JSON number as it is (an exponent
    such as 1.5E+3 written out: its resolution is 1). A plain number (`12194.21`,
    `-35.61`: ASCII digits, at most one `.`, not before exactly three digits unless the
    mark is `.` or the whole part is 0) is what the number reader would read, without its
    general rules: Decimal reads it as printed."""
    if isinstance(printed, str):
        plain = _PLAIN.fullmatch(printed)
        if plain is not None and (
            mark == "." or plain[2] is None or len(plain[2]) != 3 or plain[1] == "0"
        ):
            return Decimal(printed)
        return read_number(printed, mark)
    if not printed.is_finite():
        raise NumberError("not_a_number", f"{printed} is not a number")
    exponent = printed.as_tuple().exponent
    return printed.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else printed


def _effective(printed: str | None, reading: FeedReading) -> float | _Refusal | None:
    if not reading.dated:
        return None
    if printed is None or not printed.strip():
        return _Refusal(None, "incomplete", "no date")
    try:
        day = day_start(printed, reading.date_format, reading.timezone)
    except DateError as exc:
        return _Refusal(None, "bad_date", str(exc))
    if reading.latest is not None and day > reading.latest:
        return _Refusal(
            None, "bad_date", f"dated {printed.strip()}, more than {FUTURE_DAYS} days ahead"
        )
    return day
