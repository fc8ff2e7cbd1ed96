"""The reader of machine-readable sources: a body → its document (documents.py) → its
entries (extract.py) → a ticker (core.parse.feed), or nothing when the body is the one
the last reading was made from.

A feed may serve more than one shape (NBK: `rates` and RSS 2.0; CBU: JSON and XML); the
body tells which: JSON when it starts with `[` or `{`, else XML chosen by its root
element. The generic formats `xml` and `json` read with the source's own `extract`.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from tickerwatch.core.errors import ParseError
from tickerwatch.core.model import Page, Ticker
from tickerwatch.core.parse import ReadKey
from tickerwatch.core.parse.feed import FUTURE_DAYS, FeedEntry, FeedReading, feed_ticker
from tickerwatch.core.parse.number import DecimalMark
from tickerwatch.core.settings import Extract, Source
from tickerwatch.sources.documents import looks_like_json, parse_json, parse_xml, shown
from tickerwatch.sources.extract import json_entries, xml_entries


@dataclass(frozen=True, slots=True)
class Shape:
    """One shape of document a feed serves: XML whose root element is `root` (any when
    None), or JSON; where its values stand; the decimal mark it prints (the source's
    `decimal_mark` wins)."""

    syntax: Literal["xml", "json"]
    extract: Extract
    root: str | None = None
    decimal_mark: DecimalMark | None = None


def read_feed(
    page: Page, source: Source, last: ReadKey | None, shapes: tuple[Shape, ...]
) -> tuple[ReadKey, Ticker | None]:
    """The ticker of a feed's body (ParseError, reason no_ticker, when it holds none), or
    None in its place when the body and how it is read are those `last` stands for."""
    assert page.body is not None  # a 304 is answered from the last reading, not read
    digest = hashlib.sha256(page.body.encode("utf-8", "surrogatepass")).digest()
    key: ReadKey = (
        "feed", source.format, source.extract, source.decimal_mark, source.timezone, digest
    )  # fmt: skip
    if key == last:
        return key, None
    shape, entries = _entries(page.body, shapes)
    extract = shape.extract
    reading = FeedReading(
        decimal_mark=source.decimal_mark or shape.decimal_mark,
        decimals=extract.decimals,
        dated=extract.date is not None,
        date_format=extract.date_format,
        timezone=source.timezone,
        latest=time.time() + FUTURE_DAYS * 86400,
    )
    return key, feed_ticker(entries, reading)


def _entries(body: str, shapes: tuple[Shape, ...]) -> tuple[Shape, list[FeedEntry]]:
    json_shapes = [s for s in shapes if s.syntax == "json"]
    xml_shapes = [s for s in shapes if s.syntax == "xml"]
    if json_shapes and (looks_like_json(body) or not xml_shapes):
        return json_shapes[0], json_entries(parse_json(body), json_shapes[0].extract)
    if json_shapes and not body.lstrip().startswith("<"):
        raise ParseError(
            "the body is empty" if not body.strip()
            else f"neither JSON nor XML: the body starts {shown(body)}"
        )  # fmt: skip
    root = parse_xml(body)
    name = etree.QName(root).localname
    for shape in xml_shapes:
        if shape.root is None or shape.root == name:
            return shape, xml_entries(root, shape.extract)
    expected = " or ".join(f"<{s.root}>" for s in xml_shapes)
    raise ParseError(f"not the feed: the document is <{name}>, expected {expected}")


def read_xml(page: Page, source: Source, last: ReadKey | None) -> tuple[ReadKey, Ticker | None]:
    """`format: xml`: the source's `extract` as XPath."""
    assert source.extract is not None  # the config requires it for this format
    return read_feed(page, source, last, (Shape("xml", source.extract),))


def read_json(page: Page, source: Source, last: ReadKey | None) -> tuple[ReadKey, Ticker | None]:
    """`format: json`: the source's `extract` as JMESPath."""
    assert source.extract is not None  # the config requires it for this format
    return read_feed(page, source, last, (Shape("json", source.extract),))
