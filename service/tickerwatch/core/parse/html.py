"""HTML → the text a reader sees: blocks and list items on their own lines, cells apart."""

from __future__ import annotations

import re
from typing import Final

from selectolax.lexbor import LexborHTMLParser

from tickerwatch.core.parse.number import INVISIBLE

_INVISIBLE: Final = ["script", "style", "noscript", "template", "svg", "head"]
_INVISIBLE_TAG: Final = re.compile(rf"<(?:{'|'.join(_INVISIBLE)})(?![\w-])", re.IGNORECASE)
_BLOCKS: Final = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tr", "ul", "caption", "thead", "tbody", "tfoot", "marquee",
        "option",
    }
)  # fmt: skip
_CELLS: Final = frozenset({"td", "th"})
_SPACES: Final = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE_CHARS: Final = re.compile(f"[{INVISIBLE}]")
_BLANK_RUNS: Final = re.compile(r"[ \t]*\n[ \t\n]*\n")


def html_to_text(html: str) -> str:
    """Render `html` as plain text; entities are decoded and odd spaces become plain ones."""
    tree = LexborHTMLParser(html)
    root = tree.root
    if root is None:
        return ""
    if _INVISIBLE_TAG.search(html):  # an invisible element needs its tag in the source
        root.strip_tags(_INVISIBLE)
    breaks, blocks, cells = [], [], []
    for node in root.traverse():  # one walk: cheaper than compiling and running selectors
        tag = node.tag
        if tag in _BLOCKS:
            blocks.append(node)
        elif tag == "br":
            breaks.append(node)
        elif tag in _CELLS:
            cells.append(node)
    for node in breaks:
        node.insert_after("\n")
    for node in blocks:
        node.insert_before("\n")
        node.insert_after("\n")
    for node in cells:
        node.insert_after("\t")
    return normalize_text(root.text())


def normalize_text(text: str) -> str:
    """Turn nbsp, thin and other odd spaces into plain spaces, drop invisible format marks
    (zero-width, direction marks), fold runs of blank lines."""
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE_CHARS.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()
