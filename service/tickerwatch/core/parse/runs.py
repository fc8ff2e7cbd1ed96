"""The runs of adjacent entries in page text, and the pair-shaped fragments among them.

Entries are what the entry pattern matches. Two are adjacent when nothing but white space
and bullets stands between them — or, between and around them, *fragments*: text that
starts like an entry (`KZT/USD =`) but that the pattern does not match (`KZT/USD = n/a`,
a change printed as `▼0.22%`, a missing change). A fragment keeps the ticker whole and is
reported as an unreadable entry; it never makes a run on its own. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final, NamedTuple

import regex

from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse.formats import GROUPS, PATTERN_SECONDS, EntryPattern
from tickerwatch.core.parse.number import SIGNS

SEPARATORS: Final = "•·∙◦▪▫►▸|*/-–—"  # and white space: what may stand between entries
_SEPARATOR: Final = re.compile(rf"[\s{re.escape(SEPARATORS)}]*")
_BULLETS: Final = "•·∙◦▪▫►▸|"
_FRAGMENT: Final = re.compile(
    r"(?<![A-Za-z])(?P<base>[A-Z]{3})[ \t]*/[ \t]*(?P<quote>[A-Z]{3})(?![A-Za-z])[ \t]*[=:]"
    rf"[^\n{_BULLETS}]{{0,40}}"
)
MAX_GAP: Final = 64  # separators between two entries
MAX_FRAGMENTS_GAP: Final = 256  # separators and fragments between two entries


class Item(NamedTuple):
    """An entry the pattern matched (its groups base, quote, rate, change) or a fragment
    (groups: base, quote, None, None); where it stands; whether its rate and an unsigned
    change stand one space apart (`12 650%`: a rate of 12650 with no change, or 12 and
    650%?)."""

    groups: tuple[str | None, str | None, str | None, str | None]
    start: int
    end: int
    fragment: bool = False
    split_by_space: bool = False


def longest_run(text: str, pattern: EntryPattern) -> list[Item]:
    """The run with the most matched entries (ties: the first), with the fragments within
    and right around it; [] when the pattern matches nothing."""
    best: list[Item] = []
    run: list[Item] = []
    for match in _matches(text, pattern):
        between = None if not run else _between(text, run[-1].end, match.start)
        if run and between is None:
            best = _more(best, run)
            run = []
        run.extend(between or ())
        run.append(match)
    best = _more(best, run)
    if not best:
        return best
    return _before(text, best[0].start) + best + _after(text, best[-1].end)


def matched(run: list[Item]) -> int:
    return sum(1 for item in run if not item.fragment)


def _more(best: list[Item], run: list[Item]) -> list[Item]:
    return run if matched(run) > matched(best) else best


def _matches(text: str, pattern: EntryPattern) -> Iterator[Item]:
    for m in _finditer(text, pattern):
        found = m.groupdict()  # a custom pattern may lack base, quote or change
        base, quote, rate, change = (found.get(g) for g in GROUPS)
        split = (
            rate is not None
            and change is not None
            and change[:1] not in SIGNS
            and text[m.end("rate") : m.start("change")] == " "
        )
        yield Item((base, quote, rate, change), m.start(), m.end(), split_by_space=split)


def _between(text: str, end: int, start: int) -> list[Item] | None:
    """The fragments between two entries when only they and separators stand there; None
    when anything else does."""
    if start - end <= MAX_GAP and _SEPARATOR.fullmatch(text, end, start):
        return []
    if start - end > MAX_FRAGMENTS_GAP:
        return None
    found = list(_fragments(text, end, start))
    if not found or not _SEPARATOR.fullmatch(text, found[-1].end, start):
        return None
    return found


def _fragments(text: str, pos: int, stop: int) -> Iterator[Item]:
    """Fragments one after another from `pos`, separated by separators, up to `stop`."""
    while pos < stop:
        pos = _SEPARATOR.match(text, pos, stop).end()  # type: ignore[union-attr]
        frag = _FRAGMENT.match(text, pos, stop)
        if pos >= stop or frag is None:
            return
        yield _fragment(text, frag)
        pos = frag.end()


def _fragment(text: str, frag: re.Match[str]) -> Item:
    end = frag.start() + len(frag.group(0).rstrip())
    return Item((frag.group("base"), frag.group("quote"), None, None), frag.start(), end, True)


def _after(text: str, end: int) -> list[Item]:
    found: list[Item] = []
    for frag in _fragments(text, end, min(len(text), end + MAX_FRAGMENTS_GAP)):
        if not _SEPARATOR.fullmatch(text, found[-1].end if found else end, frag.start):
            break
        found.append(frag)
    return found


def _before(text: str, start: int) -> list[Item]:
    """Fragments right before `start`, each separated from the next by separators only."""
    lo = max(0, start - MAX_FRAGMENTS_GAP)
    candidates = [_fragment(text, f) for f in _FRAGMENT.finditer(text, lo, start)]
    found: list[Item] = []
    for frag in reversed(candidates):
        if frag.end > (found[0].start if found else start):
            continue
        if not _SEPARATOR.fullmatch(text, frag.end, found[0].start if found else start):
            break
        found.insert(0, frag)
    return found


def _finditer(text: str, pattern: EntryPattern) -> Iterator[re.Match[str] | regex.Match[str]]:
    """The pattern's matches; a custom pattern searches at most PATTERN_SECONDS, outside
    the GIL, else ParseError (reason `timeout`)."""
    if isinstance(pattern, re.Pattern):
        yield from pattern.finditer(text)
        return
    try:
        yield from pattern.finditer(text, concurrent=True, timeout=PATTERN_SECONDS)
    except TimeoutError:
        raise ParseError(
            f"the pattern searched the page for more than {PATTERN_SECONDS:g} s without"
            " finishing (a pattern that backtracks: nested repeats such as (\\d+)+)",
            reason="timeout",
        ) from None
