"""Page → ticker entries. Pure: no IO, no clock.

HTML is first rendered to the text a reader sees; text/plain goes straight to the search.
"""

from __future__ import annotations

import re

from tickerwatch.model import Ticker
from tickerwatch.parse.formats import BUILTIN, compile_pattern
from tickerwatch.parse.html import html_to_text, normalize_text
from tickerwatch.parse.ticker import find_ticker

__all__ = ["BUILTIN", "compile_pattern", "looks_like_html", "page_text", "parse_text"]


def looks_like_html(content_type: str, body: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    if media in {"text/html", "application/xhtml+xml"}:
        return True
    if media in {"text/plain", "text/markdown"}:
        return False
    return body.lstrip()[:1] == "<"


def page_text(body: str, content_type: str = "") -> str:
    """The text a reader sees of a page body."""
    if looks_like_html(content_type, body):
        return html_to_text(body)
    return normalize_text(body)


def parse_text(body: str, content_type: str, entry_pattern: re.Pattern[str]) -> Ticker:
    """Find the ticker of a page body; raises ParseError (no_ticker) when there is none.

    The built-in formats need two adjacent entries; a custom pattern is specific enough to
    accept one."""
    min_entries = 2 if entry_pattern in BUILTIN.values() else 1
    return find_ticker(page_text(body, content_type), entry_pattern, min_entries)
