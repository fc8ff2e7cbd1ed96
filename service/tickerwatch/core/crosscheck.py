"""Cross-checks: a source's rates against reference sources (the central banks' feeds), with
the honesty about rounding the alerts have. Pure: no IO, no clock.

A printed rate stands for every true value within half its resolution: 0.01144 for
[0.011435, 0.011445). A reference's value for a pair is derived from what the reference
prints — the pair itself, its inverse (KGS/USD from USD/KGS), or a cross through a third
currency the reference quotes both against (KGS/USD from CBU's KGS/UZS ÷ USD/UZS) — and
carries the interval its printed numbers allow. The deviation, source ÷ reference − 1, then
has an interval too: [low, high]. When that interval holds 0, the two agree as far as their
printed digits can tell, and the deviation is reported as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Literal

from tickerwatch.core.model import Pair, PrintedRate

How = Literal["direct", "inverted", "cross"]


@dataclass(frozen=True, slots=True)
class Span:
    """A value and the interval of true values its printed digits allow."""

    value: Decimal
    low: Decimal
    high: Decimal

    @classmethod
    def printed(cls, rate: PrintedRate) -> Span:
        half = rate.resolution / 2
        return cls(rate.rate, rate.rate - half, rate.rate + half)

    def inverted(self) -> Span | None:
        if self.low <= 0:
            return None  # the true value may be 0: no inverse can be bounded
        with localcontext() as ctx:
            ctx.prec = 28
            return Span(1 / self.value, 1 / self.high, 1 / self.low)

    def over(self, other: Span) -> Span | None:
        """self ÷ other, with the interval of every quotient the two allow."""
        if other.low <= 0:
            return None
        with localcontext() as ctx:
            ctx.prec = 28
            return Span(self.value / other.value, self.low / other.high, self.high / other.low)


@dataclass(frozen=True, slots=True)
class Reference:
    """What a reference source says a pair is worth, how it was derived (`via`: the third
    currency of a cross), and the interval its printed numbers allow."""

    span: Span
    how: How
    via: str = ""


@dataclass(frozen=True, slots=True)
class Deviation:
    """source ÷ reference − 1 for one pair: `ratio` from the printed values, [low, high]
    from the intervals on both sides; `reported` is 0 when that interval holds 0 (they agree
    within rounding), else `ratio`."""

    source: str
    reference: str
    pair: Pair
    ratio: float
    low: float
    high: float
    value: Reference

    @property
    def within_rounding(self) -> bool:
        return self.low <= 0 <= self.high

    @property
    def reported(self) -> float:
        return 0.0 if self.within_rounding else self.ratio

    @property
    def least(self) -> float:
        """The smallest size of deviation the printed numbers allow (0 within rounding)."""
        return 0.0 if self.within_rounding else min(abs(self.low), abs(self.high))


def reference_for(pair: Pair, rates: Mapping[Pair, PrintedRate]) -> Reference | None:
    """The reference's value of `pair` from its printed rates: directly, inverted, or as a
    cross through a currency both sides of the pair are quoted against; None when the
    reference quotes neither."""
    if pair in rates:
        return Reference(Span.printed(rates[pair]), "direct")
    flipped = Pair(pair.quote, pair.base)
    if flipped in rates:
        span = Span.printed(rates[flipped]).inverted()
        return None if span is None else Reference(span, "inverted")
    for via in sorted({p.quote for p in rates} | {p.base for p in rates}):
        base, quote = _side(pair.base, via, rates), _side(pair.quote, via, rates)
        if base is not None and quote is not None:
            span = base.over(quote)
            if span is not None:
                return Reference(span, "cross", via)
    return None


def _side(code: str, via: str, rates: Mapping[Pair, PrintedRate]) -> Span | None:
    """`code` in units of `via`, from CODE/VIA or VIA/CODE."""
    if Pair(code, via) in rates:
        return Span.printed(rates[Pair(code, via)])
    if Pair(via, code) in rates:
        return Span.printed(rates[Pair(via, code)]).inverted()
    return None


def deviations(
    source: str,
    rates: Iterable[PrintedRate],
    references: Mapping[str, Mapping[Pair, PrintedRate]],
) -> list[Deviation]:
    """Every pair of `rates` that a reference can value, against each reference in order."""
    out = []
    for printed in rates:
        own = Span.printed(printed)
        for name, their in references.items():
            ref = reference_for(printed.pair, their)
            if ref is None:
                continue
            point = own.over(Span(ref.span.value, ref.span.value, ref.span.value))
            bounds = own.over(ref.span)
            if point is None or bounds is None:
                continue
            low, high = float(bounds.low - 1), float(bounds.high - 1)
            ratio = float(point.value - 1)
            out.append(Deviation(source, name, printed.pair, ratio, low, high, ref))
    return out
