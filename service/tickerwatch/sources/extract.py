"""A document's entries, found where an `Extract` (core.settings) says: XPath 1.0 (lxml) in
XML, JMESPath (the jmespath library) in JSON. The built-in feeds are Extracts written here
(one module each); `format: xml` and `format: json` use the source's own.

`items` is evaluated on the document and must give a list (of elements, for XPath); every
other expression is evaluated on one entry, and gives a text: the first node it selects
(an element's text, an attribute's value) or the value it computes; nothing, or empty
text, is "absent". Compiled expressions are cached by their text (the config compiled
each once already, to check it), each with its runner: an entry's fields are read without
compiling or building anything per entry.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jmespath
import jmespath.exceptions
from jmespath.parser import ParsedResult
from lxml import etree

from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse.feed import FeedEntry, Printed
from tickerwatch.core.settings import Extract, Fixed
from tickerwatch.sources.documents import cut, refuse_error_object, shown

Field = str | Fixed | None
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # JMESPath's unquoted identifier


@functools.lru_cache(maxsize=512)
def _xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression)


@functools.lru_cache(maxsize=512)
def _jmes(expression: str) -> ParsedResult:
    return jmespath.compile(expression)


@functools.lru_cache(maxsize=512)
def xpath(expression: str) -> Callable[[etree._Element], Any]:
    """The compiled expression; an error while it runs on a document is ParseError."""
    compiled = _xpath(expression)

    def run(node: etree._Element) -> Any:
        try:
            return compiled(node)
        except etree.XPathError as exc:
            raise ParseError(f"the XPath expression {expression!r} failed here: {exc}") from None

    return run


@functools.lru_cache(maxsize=512)
def jmes(expression: str) -> Callable[[Any], Any]:
    """The compiled expression; an error while it runs on a document (a function given
    the wrong type of value) is ParseError. A bare name (`Rate`) and `@` are read
    directly, as JMESPath reads them (a name: the object's member, None on anything but an
    object; `@`: the value itself), without an interpreter per call."""
    if expression == "@":
        return _itself
    if _NAME.fullmatch(expression):
        return functools.partial(_member, expression)
    search = _jmes(expression).search

    def run(doc: Any) -> Any:
        try:
            return search(doc)
        except jmespath.exceptions.JMESPathError as exc:
            message = " ".join(str(exc).split())
            raise ParseError(
                f"the JMESPath expression {expression!r} failed here: {message}"
            ) from None

    return run


def _itself(doc: Any) -> Any:
    return doc


def _member(name: str, doc: Any) -> Any:
    return doc.get(name) if isinstance(doc, dict) else None


def xml_entries(root: etree._Element, extract: Extract) -> list[FeedEntry]:
    """The entries `extract.items` selects in an XML document; ParseError when it selects
    something other than elements."""
    found = xpath(extract.items)(root)
    if not isinstance(found, list) or not all(isinstance(e, etree._Element) for e in found):
        raise ParseError(f"items {extract.items!r} selects no elements of the document")
    document_date = _xml_value(root, extract.date) if extract.date_from == "document" else None
    return [
        _entry(
            functools.partial(_xml_value, item),
            functools.partial(_xml_shown, item),
            extract,
            document_date,
        )
        for item in found
        if isinstance(item, etree._Element)
    ]


def json_entries(doc: Any, extract: Extract) -> list[FeedEntry]:
    """The entries `extract.items` finds in a JSON document; ParseError for a JSON error
    object or when it finds no list."""
    refuse_error_object(doc)
    found = jmes(extract.items)(doc)
    if not isinstance(found, list):
        raise ParseError(f"items {extract.items!r} finds no list in the document: {shown(doc)}")
    document_date = _json_value(doc, extract.date) if extract.date_from == "document" else None
    return [
        _entry(
            functools.partial(_json_value, item),
            functools.partial(cut, item),
            extract,
            document_date,
        )
        for item in found
    ]


def _entry(
    value: Callable[[Field], Printed | None],
    text: Callable[[], str],
    extract: Extract,
    document_date: Printed | None,
) -> FeedEntry:
    date = document_date if extract.date_from == "document" else value(extract.date)
    return FeedEntry(
        text=text,
        base=_text(value(extract.base)),
        quote=_text(value(extract.quote)),
        rate=value(extract.rate),
        nominal=value(extract.nominal),
        change=value(extract.change),
        change_pct=value(extract.change_pct),
        date=_text(date),
    )


def _text(value: Printed | None) -> str | None:
    return None if value is None else str(value)


def _xml_value(node: etree._Element, field: Field) -> str | None:
    if field is None or isinstance(field, Fixed):
        return None if field is None else field.code
    result: Any = xpath(field)(node)
    if isinstance(result, list):
        if not result:
            return None
        result = result[0]
    if isinstance(result, etree._Element):
        text = "".join(str(part) for part in result.itertext())
    elif isinstance(result, bool):
        text = "true" if result else "false"
    else:
        text = str(result)
    return text.strip() or None


def _json_value(item: Any, field: Field) -> str | Decimal | None:
    """A JSON number as a Decimal (as printed: parse_json reads fractions as Decimal),
    anything else as text."""
    if field is None or isinstance(field, Fixed):
        return None if field is None else field.code
    result = jmes(field)(item)
    if result is None:
        return None
    if isinstance(result, bool):
        return "true" if result else "false"
    if isinstance(result, int | Decimal):
        return Decimal(result)
    if isinstance(result, str):
        return result.strip() or None
    return json.dumps(result, ensure_ascii=False, default=str)


def _xml_shown(item: etree._Element) -> str:
    """An entry as printed, for messages: its markup, white space collapsed and cut."""
    return cut(etree.tostring(item, encoding="unicode", with_tail=False))
