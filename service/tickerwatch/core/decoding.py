"""Bytes → text as a browser decodes a page (the WHATWG encoding rules), with w3lib for the
declarations and charset-normalizer for bytes nobody labelled. Pure: no IO.

The encoding is the first of: the source's own `encoding` setting; a byte order mark; the
`charset` of the Content-Type header; a `<meta charset>` / `<meta http-equiv>` or
`<?xml encoding?>` declaration near the start of the body; for unlabelled bytes, UTF-8 when
they are valid UTF-8, else what charset-normalizer finds among the encodings browsers know,
else windows-1252. Labels map as browsers map them (ISO-8859-1, latin1 and US-ASCII mean
windows-1252; an unknown label is skipped). Bytes that are invalid in the chosen encoding
become U+FFFD and are counted, never fatal.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Final, Literal

from charset_normalizer import from_bytes
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

Origin = Literal["config", "bom", "http", "meta", "detected", "default"]
FALLBACK: Final = "cp1252"
PREFERRED: Final = ("cp1252", "cp1251", "koi8_r", "cp1250", "iso8859_5", "cp866")
# What a detector may choose from: the WHATWG Encoding Standard's encodings (what browsers
# decode), as Python codec names. DOS code pages and the like are no page's encoding.
WEB_ENCODINGS: Final = (
    "cp866", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7",
    "iso8859_8", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16",
    "koi8_r", "koi8_u", "mac_roman", "mac_cyrillic", "cp874", "cp1250", "cp1251", "cp1252",
    "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "gb18030", "big5hkscs",
    "euc_jp", "iso2022_jp", "cp932", "cp949", "utf_16_be", "utf_16_le",
)  # fmt: skip
# Every codec a label may name: the WHATWG encodings, the spellings w3lib maps labels to,
# and UTF-8/UTF-16. A label naming anything else (base64, rot13, utf-32, cp037) is skipped.
WEB_CODECS: Final = frozenset(
    codecs.lookup(name).name
    for name in (
        *WEB_ENCODINGS,
        "utf-8",
        "utf-16",
        "gbk",
        "big5",
        "shift_jis",
        "euc_kr",
        "iso8859_11",
    )
)
# A declaration in the body is ASCII; one that names UTF-16 was readable as ASCII, so the
# bytes are not UTF-16 (WHATWG: such a label means UTF-8).
_ASCII_INCOMPATIBLE: Final = frozenset({"utf-16", "utf-16-le", "utf-16-be"})
PRESCAN: Final = 1024  # bytes a <meta charset> may stand in (WHATWG's prescan)
SAMPLE: Final = 64 * 1024  # bytes the detector looks at: enough to tell, bounded in time
# Valid UTF-8 but for a few sequences: at least this many valid non-ASCII characters per
# invalid sequence (a legacy encoding's text makes few valid UTF-8 sequences by chance).
MOSTLY_UTF8: Final = 10


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded body: its `text`, the Python codec name it was decoded with (`encoding`),
    where that came from (`origin`), and how many invalid byte sequences became U+FFFD."""

    text: str
    encoding: str
    origin: Origin
    replaced: int = 0


def decode_body(body: bytes, content_type: str, override: str | None = None) -> Decoded:
    """Decode a page body of any encoding; `override` (a codec name, see `codec_for`) wins
    over everything the page says. Never raises."""
    if override is not None:
        return _decode(body, override, "config")
    encoding, bom = read_bom(body)
    if encoding in {"utf-8", "utf-16-le", "utf-16-be"} and bom is not None:
        return _decode(body[len(bom) :], encoding, "bom")
    encoding = _web_codec(http_content_type_encoding(content_type))
    if encoding is not None:
        return _decode(body, "utf-16-le" if encoding == "utf-16" else encoding, "http")
    encoding = _web_codec(html_body_declared_encoding(body[:PRESCAN]))
    if encoding is not None:
        return _decode(body, "utf-8" if encoding in _ASCII_INCOMPATIBLE else encoding, "meta")
    return _unlabelled(body)


def codec_for(label: str) -> str:
    """The Python codec a browser would use for an encoding label (latin1 → cp1252);
    raises ValueError for a label no browser knows."""
    codec = _web_codec(resolve_encoding(label))
    if codec is None:
        raise ValueError(f"unknown encoding {label!r} (e.g. utf-8, windows-1251, koi8-r)")
    return codec


def _web_codec(codec: str | None) -> str | None:
    return codec if codec is not None and codecs.lookup(codec).name in WEB_CODECS else None


def _unlabelled(body: bytes) -> Decoded:
    """UTF-8 when the bytes are UTF-8 (but for a few invalid sequences, replaced); else
    what the detector finds in a sample; else windows-1252."""
    if b"\0" in body[:PRESCAN]:  # NULs between ASCII letters: UTF-16 without a BOM
        sample = body[:SAMPLE]  # whole code units
    else:
        sample = _sample(body)
        try:
            return Decoded(body.decode("utf-8"), "utf-8", "detected")
        except UnicodeDecodeError:
            pass
        if _mostly_utf8(sample):
            return _decode(body, "utf-8", "detected")
    detected = _detect(sample)
    if detected is None:
        return _decode(body, FALLBACK, "default")
    return _decode(body, detected, "detected")


def _sample(body: bytes) -> bytes:
    """The first SAMPLE bytes, cut after a space, newline or `>` so that no multi-byte
    character is split at the end."""
    if len(body) <= SAMPLE:
        return body
    cut = body[:SAMPLE]
    end = max(cut.rfind(b" "), cut.rfind(b"\n"), cut.rfind(b">"))
    return cut[: end + 1] if end > SAMPLE // 2 else cut


def _mostly_utf8(sample: bytes) -> bool:
    text = sample.decode("utf-8", "replace")
    replaced = text.count("\ufffd") - sample.decode("utf-8", "ignore").count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - replaced
    return valid >= MOSTLY_UTF8 * max(1, replaced)


def _detect(body: bytes) -> str | None:
    """charset-normalizer's choice among WEB_ENCODINGS. When several decode the bytes
    equally well, PREFERRED decides: windows-1252 (the WHATWG default) first, then the
    Cyrillic encodings of the region tickerwatch watches."""
    matches = from_bytes(body, cp_isolation=list(WEB_ENCODINGS))
    best = matches.best()
    if best is None:
        return None
    tied = {
        name
        for m in matches
        if (m.chaos, m.coherence) == (best.chaos, best.coherence)
        for name in m.could_be_from_charset
    }
    return next((name for name in PREFERRED if name in tied), best.encoding)


def _decode(body: bytes, codec: str, origin: Origin) -> Decoded:
    encoding = codecs.lookup(codec).name  # one spelling: koi8_r and KOI8-R are koi8-r
    try:
        return Decoded(body.decode(encoding), encoding, origin)
    except UnicodeDecodeError:
        pass
    text = to_unicode(body, encoding)
    # Only the U+FFFD the decoder put in: the ones the page itself encodes survive "ignore".
    replaced = text.count("\ufffd") - body.decode(encoding, "ignore").count("\ufffd")
    return Decoded(text, encoding, origin, replaced)
