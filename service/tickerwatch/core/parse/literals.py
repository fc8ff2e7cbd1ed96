"""The longest piece of plain text every match of a custom pattern contains, read from the
pattern's source: what a `pattern:` source's pages are searched for before anything is
rendered (locate.py). Pure.

Conservative by construction: only plain characters of the pattern and of its groups make a
piece. Anything optional (`?`, `*`, `{0,n}`), alternated (`|`), in a class (`[A-Z]`),
escaped as a letter (`\\d`, `\\x41`) or inside a lookaround breaks or drops a piece; an
inline flag (`(?i)`, `(?x)`: the text would no longer be literal), an anchor (`^`, `\\A`:
a region's start is not the page's), a brace that is no count (fuzzy `{e<=1}`), `\\K` or
a construct not known here gives no piece at all. Pieces also end at white space and at
the characters HTML may write as entities (`&`, `<`, `>`, quotes, no-break space):
rendering changes those.
"""

from __future__ import annotations

import functools
import re
from typing import Final, Literal

MIN_LENGTH: Final = 3  # shorter pieces (`=`, `/`) are everywhere in HTML
_BREAKS: Final = frozenset(" \t\n\r\f\v&<>\"'\u00a0")
_COUNT: Final = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_HEX_DIGITS: Final = {"x": 2, "u": 4, "U": 8}
_ZERO_WIDTH_GROUPS: Final = ("?=", "?!", "?<=", "?<!")

AtomKind = Literal["char", "other", "group"]


class _Unknown(Exception):
    """A construct this reader does not take apart: no piece is trusted."""


@functools.lru_cache(maxsize=256)
def required_literal(pattern: str) -> str | None:
    """The longest piece (at least MIN_LENGTH characters) that every match of `pattern`
    (Python `re` syntax, as the `regex` library reads it without flags) contains, or None
    when there is none or the pattern is beyond this reader."""
    try:
        scanner = _Scanner(pattern)
        pieces = scanner.sequence()
        if scanner.i != len(pattern):  # an unmatched `)`
            return None
    except (_Unknown, IndexError, ValueError):  # ValueError: no closing `}` or `>`
        return None
    best = max(pieces, key=len, default="")
    return best if len(best) >= MIN_LENGTH else None


class _Scanner:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def sequence(self) -> list[str]:
        """The pieces of the sequence from here to its closing `)` or the end; none when
        it holds a `|` at its own level."""
        pieces: list[str] = []
        run: list[str] = []
        alternation = False
        while self.i < len(self.p) and self.p[self.i] != ")":
            if self.p[self.i] == "|":
                alternation = True
                self.i += 1
                _flush(run, pieces)
                continue
            kind, char, inner = self._atom()
            least = self._quantifier()
            if kind == "char" and char not in _BREAKS and least != 0:
                run.append(char)
                if least is not None:  # repeated: what follows is not next to it
                    _flush(run, pieces)
                continue
            _flush(run, pieces)
            if kind == "group" and least != 0:
                pieces.extend(inner)
        _flush(run, pieces)
        return [] if alternation else pieces

    def _atom(self) -> tuple[AtomKind, str, list[str]]:
        c = self.p[self.i]
        if c == "\\":
            return self._escape()
        if c == "[":
            self._skip_class()
            return "other", "", []
        if c == "(":
            return self._group()
        if c in "*+?{^$":
            # nothing to repeat (not a valid pattern), a brace that is no count (the regex
            # library's fuzzy matching, `{e<=1}`), an anchor (a region's start is not the
            # page's): beyond this reader
            raise _Unknown
        self.i += 1
        return ("other", "", []) if c == "." else ("char", c, [])

    def _escape(self) -> tuple[AtomKind, str, list[str]]:
        p = self.p
        e = p[self.i + 1]
        self.i += 2
        if not e.isalnum():
            return "char", e, []
        if e in "AZzGK":  # anchors, and \K, which keeps what came before out of the match
            raise _Unknown
        if e in "pPNL" and p[self.i] in "{<":
            self.i = p.index("}" if p[self.i] == "{" else ">", self.i) + 1
        elif e in "pP":
            self.i += 1  # \pL
        elif e == "g" and p[self.i] == "<":
            self.i = p.index(">", self.i) + 1
        elif e in _HEX_DIGITS:
            self._digits(_HEX_DIGITS[e], "0123456789abcdefABCDEF")
        elif e.isdigit():
            self._digits(2, "0123456789")
        return "other", "", []

    def _digits(self, most: int, allowed: str) -> None:
        for _ in range(most):
            if self.i < len(self.p) and self.p[self.i] in allowed:
                self.i += 1

    def _skip_class(self) -> None:
        p = self.p
        self.i += 1
        if p[self.i] == "^":
            self.i += 1
        if p[self.i] == "]":
            self.i += 1
        while p[self.i] != "]":
            if p[self.i] == "[":
                raise _Unknown  # POSIX classes, nested sets
            self.i += 2 if p[self.i] == "\\" else 1
        self.i += 1

    def _group(self) -> tuple[AtomKind, str, list[str]]:
        p = self.p
        self.i += 1
        zero_width = False
        if p[self.i] == "?":
            head = p[self.i : self.i + 3]
            if head.startswith(_ZERO_WIDTH_GROUPS):
                zero_width = True
                self.i += 3 if head.startswith(("?<=", "?<!")) else 2
            elif head.startswith(("?:", "?>")):
                self.i += 2
            elif head.startswith(("?P<", "?<")):
                self.i = p.index(">", self.i) + 1
            elif head.startswith(("?P=", "?#")):
                self.i = p.index(")", self.i) + 1
                return "other", "", []
            else:
                raise _Unknown  # inline flags, conditionals, recursion, branch reset
        inner = self.sequence()
        if p[self.i] != ")":
            raise _Unknown
        self.i += 1
        return ("other", "", []) if zero_width else ("group", "", inner)

    def _quantifier(self) -> int | None:
        """The least count of the quantifier here (skipping it), or None when there is none."""
        p = self.p
        if self.i >= len(p):
            return None
        c = p[self.i]
        if c in "*+?":
            self.i += 1
            least = 1 if c == "+" else 0
        elif c == "{" and (count := _COUNT.match(p, self.i)) and (count[1] or count[2]):
            self.i = count.end()
            least = int(count[1] or 0)
        else:
            return None
        if self.i < len(p) and p[self.i] in "?+":  # lazy, possessive
            self.i += 1
        return least


def _flush(run: list[str], pieces: list[str]) -> None:
    if run:
        pieces.append("".join(run))
        run.clear()
