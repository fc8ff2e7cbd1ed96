"""Machine-readable bodies → documents: XML with a hardened lxml parser, JSON with the
standard library. The boundary where lxml's and json's errors become ParseError
(reason no_ticker): a body that is not the document expected is a failed poll, never a
rate.

XML is parsed with entities left unresolved, no network, no DTD loaded and libxml2's size
limits on (huge_tree off); a document with a DOCTYPE is refused outright, as defusedxml's
forbid_dtd does — feeds never carry one, and a DTD's entities are how a billion-laughs
bomb grows (libxml2 stops such a bomb at its amplification limit before it costs memory,
and the refusal says so). An HTML page served in place
of the feed (a portal's error or maintenance page, often with status 200) is named as
such. The declared encoding was already applied when the body was decoded to text
(core.decoding), so the parser reads that text as UTF-8.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Final

from lxml import etree

from tickerwatch.core.errors import ParseError

_HTML_START: Final = re.compile(r"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.I | re.S)
_TITLE: Final = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
MAX_SHOWN: Final = 160


def parse_xml(body: str) -> etree._Element:
    """The root element of an XML body; ParseError for an HTML page, a body that is not
    well-formed XML, or one with a DOCTYPE."""
    _refuse_html(body)
    if not body.strip():
        raise ParseError("the body is empty")
    body = body.lstrip()  # white space before <?xml …?>: a common server slip, harmless
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=True, remove_pis=True, encoding="utf-8",
    )  # fmt: skip
    try:
        root = etree.fromstring(body.encode("utf-8", "surrogatepass"), parser)
    except etree.XMLSyntaxError as exc:
        if "amplification" in str(exc) or "entity reference loop" in str(exc).lower():
            raise ParseError(f"XML refused: it expands entities ({exc})") from None
        raise ParseError(f"not well-formed XML: {exc}") from None
    if root is None:
        raise ParseError("an empty XML document")
    if root.getroottree().docinfo.internalDTD is not None:
        raise ParseError(
            "XML refused: it has a DOCTYPE, which feeds never have (a DTD is where entities,"
            " the stuff of XML bombs, are declared)"
        )
    if etree.QName(root).localname.lower() == "html":
        raise ParseError(f"an HTML page, not the feed{_title(body)}")
    return root


def parse_json(body: str) -> Any:
    """The JSON value of a body, numbers with a fraction read as Decimal (as printed);
    ParseError for an HTML page or a body that is not JSON."""
    _refuse_html(body)
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not JSON: {exc}; the body starts {shown(body)}") from None


def looks_like_json(body: str) -> bool:
    return body.lstrip()[:1] in ("[", "{")


def refuse_error_object(doc: Any) -> None:
    """ParseError for a JSON error object (`{"error": …}`) answered in place of the data."""
    if isinstance(doc, dict):
        for key in ("error", "errors", "message"):
            if key in doc:
                raise ParseError(f"the feed answered with an error: {shown(doc[key])}")


def cut(value: object) -> str:
    """A value as text for a message (JSON for data), white space collapsed, cut to
    MAX_SHOWN characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def shown(value: object) -> str:
    """cut(value), quoted."""
    return repr(cut(value))


def _refuse_html(body: str) -> None:
    if _HTML_START.match(body[:4096]):
        raise ParseError(f"an HTML page, not the feed{_title(body)}")


def _title(body: str) -> str:
    found = _TITLE.search(body[:65536])
    return f" (title {shown(found.group(1))})" if found else ""
