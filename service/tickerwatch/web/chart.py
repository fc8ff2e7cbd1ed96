"""A pair's history as a small SVG chart, drawn on the server (no script, no CDN: it works
offline and in any browser). Pure.

Each history row is a point at the time it was first seen; the line steps from row to row
(a rate holds until the next one is printed); the band around it is what the printed
digits allow (± half the last digit); a reference's value, when the pair has one, is a
dashed line."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from tickerwatch.core.units import rfc3339

WIDTH, HEIGHT, PAD = 600, 160, 28


@dataclass(frozen=True, slots=True)
class Point:
    """One history row: when it was first seen (Unix seconds), the rate as printed, and
    the printed resolution (its last digit's value)."""

    at: float
    rate: Decimal
    resolution: Decimal


def svg(points: list[Point], start: float, end: float, reference: Decimal | None = None) -> str:
    """The chart of `points` (oldest first) between `start` and `end` (Unix seconds): one
    `circle.point` per point, the stepped line, the printed-precision band, and the
    reference's value as `line.reference`. An empty list gives an empty chart."""
    if not points:
        return _frame("<text x=50% y=50% text-anchor=middle class=muted>no history yet</text>")
    low = min([*(p.rate - p.resolution / 2 for p in points), *([reference] if reference else [])])
    high = max([*(p.rate + p.resolution / 2 for p in points), *([reference] if reference else [])])
    span = high - low or abs(high) or Decimal(1)
    end = max(end, points[-1].at)

    def x(at: float) -> float:
        return PAD + (WIDTH - 2 * PAD) * (max(at, start) - start) / max(end - start, 1.0)

    def y(value: Decimal) -> float:
        return PAD + float((high - value) / span) * (HEIGHT - 2 * PAD)

    steps = [(x(p.at), y(p.rate)) for p in points] + [(x(end), y(points[-1].rate))]
    line = " ".join(f"{a:.1f},{b:.1f}" for a, b in _stepped(steps))
    band = _band(points, end, x, y)
    dots = "".join(
        f'<circle class=point cx="{x(p.at):.1f}" cy="{y(p.rate):.1f}" r=3>'
        f"<title>{escape(str(p.rate))} from {escape(rfc3339(p.at))}</title></circle>"
        for p in points
    )
    ref = ""
    if reference is not None:
        ref = (
            f'<line class=reference x1={PAD} x2={WIDTH - PAD} y1="{y(reference):.1f}"'
            f' y2="{y(reference):.1f}"><title>reference {escape(str(reference))}</title></line>'
        )
    labels = (
        f"<text x=2 y={PAD - 8} class=axis>{escape(str(high))}</text>"
        f"<text x=2 y={HEIGHT - 6} class=axis>{escape(str(low))}</text>"
    )
    return _frame(f'{band}{ref}<polyline class=rate points="{line}"/>{dots}{labels}')


def _stepped(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for (x1, y1), (x2, _) in itertools.pairwise(points):
        out += [(x1, y1), (x2, y1)]
    return out


def _band(
    points: list[Point], end: float, x: Callable[[float], float], y: Callable[[Decimal], float]
) -> str:
    upper, lower = [], []
    for p, following in zip(points, [*points[1:], None], strict=True):
        x1, x2 = x(p.at), x(following.at if following else end)
        half = p.resolution / 2
        upper += [(x1, y(p.rate + half)), (x2, y(p.rate + half))]
        lower += [(x1, y(p.rate - half)), (x2, y(p.rate - half))]
    outline = upper + lower[::-1]
    return '<polygon class=band points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in outline) + '"/>'


def _frame(body: str) -> str:
    return (
        f'<svg class=chart viewBox="0 0 {WIDTH} {HEIGHT}" role=img'
        f' xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )
