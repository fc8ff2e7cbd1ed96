"""Pages from the wider world, each served by a real local server and read the way a poll
reads it (fetch, decode, find the ticker, de-duplicate): encodings, transfer codings,
number formats and signs. The ticker lines are timesca's; the rest is our own."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from collections.abc import Iterator
from typing import Any

import brotli
import pytest
import zstandard

from support.httpserver import PageServer, send
from tickerwatch.core.dedup import deduplicate
from tickerwatch.core.errors import FetchError
from tickerwatch.core.model import Deduplicated, Page
from tickerwatch.core.parse import BUILTIN, DecimalMark, parse_text
from tickerwatch.fetch.client import Clients, Fetcher, RetryPolicy

LINES = (
    "KGS/USD = 0.01144 -0.22%",
    "KZT/USD = 0.00196 -0%",
    "TJS/USD = 0.10899 -0%",
    "UZS/USD = 0.00008 -0%",
    "TMT/USD = 0.28490 0%",
)
RUSSIAN = "<p>Тестовый абзац: курсы валют обновляются каждый день, лента повторяется.</p>"


@pytest.fixture(scope="module")
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        yield srv


def ticker(lines: tuple[str, ...] = LINES, bullet: str = "\u2022", copies: int = 4) -> str:
    return "\n".join(f"{bullet} {line}" for _ in range(copies) for line in lines)


def html(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>Fixture</title></head><body>{body}</body></html>"


def serve(server: PageServer, path: str, body: bytes, **headers: str) -> str:
    fields = {k.replace("_", "-"): v for k, v in headers.items()}
    return server.route(path, lambda r: send(r, 200, body, fields))


def fetch(url: str, **kw: Any) -> Page:
    async def go() -> Page:
        async with Clients() as clients:
            fetcher = Fetcher(clients, RetryPolicy(attempts=1))
            return await fetcher.fetch(url, deadline=5, max_body=2**20, **kw)

    return asyncio.run(go())


def poll(url: str, decimal_mark: DecimalMark | None = None, **kw: Any) -> tuple[Page, Deduplicated]:
    page = fetch(url, **kw)
    assert page.body is not None
    found = parse_text(page.body, page.content_type, BUILTIN["timesca"], decimal_mark=decimal_mark)
    return page, deduplicate(found.entries, found.unreadable)


def rates(result: Deduplicated) -> dict[str, tuple[str, str]]:
    return {str(q.pair): (str(q.rate), str(q.change_pct)) for q in result.rates}


# ------------------------------------------------------------------ the table


def test_windows_1251_with_no_label_anywhere_is_detected(server: PageServer) -> None:
    body = html(f"<div>{ticker()}</div>{RUSSIAN}").encode("cp1251")
    assert b"\x95 KGS/USD" in body  # the bullet is byte 0x95
    page, result = poll(serve(server, "/1251", body, Content_Type="text/html"))
    assert (page.encoding, page.encoding_origin, page.replaced) == ("cp1251", "detected", 0)
    assert len(result.rates) == 5
    assert rates(result)["KGS/USD"] == ("0.01144", "-0.22")
    assert "курсы валют" in (page.body or "")


def test_one_invalid_byte_in_a_utf8_page_is_replaced_and_counted(server: PageServer) -> None:
    body = html(f"<div>{ticker()}</div><p>caf\xe9 au lait</p>").encode("utf-8")
    body = body.replace("caf\xe9".encode(), b"caf\xe9")  # one latin-1 byte in UTF-8 text
    page, result = poll(serve(server, "/bad-byte", body, Content_Type="text/html; charset=utf-8"))
    assert (page.encoding, page.replaced) == ("utf-8", 1)
    assert "caf\ufffd au lait" in (page.body or "")
    assert rates(result)["KGS/USD"] == ("0.01144", "-0.22")


def test_raw_deflate_without_a_zlib_header_is_read(server: PageServer) -> None:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = packer.compress(ticker().encode()) + packer.flush()
    url = serve(server, "/raw-deflate", raw, Content_Encoding="deflate", Content_Type="text/plain")
    assert len(poll(url)[1].rates) == 5


@pytest.mark.parametrize("coding", ["none", "identity", "", "None "])
def test_content_encoding_none_identity_or_empty_is_no_coding(
    server: PageServer, coding: str
) -> None:
    path = f"/coding-{coding.strip() or 'empty'}"
    url = serve(server, path, ticker().encode(), Content_Encoding=coding, Content_Type="text/plain")
    assert len(poll(url)[1].rates) == 5


@pytest.mark.parametrize(
    ("printed", "rate", "change"),
    [
        ("USD/UZS = 12 650,00 +0,12%", "12650.00", "0.12"),
        ("USD/UZS = 12\u00a0650,00 +0,12%", "12650.00", "0.12"),
        ("USD/UZS = 12\u202f650,00 +0,12%", "12650.00", "0.12"),
        ("USD/UZS = 12&nbsp;650,00 +0,12%", "12650.00", "0.12"),
        ("USD/UZS = 12,650 +0.12%", "12650", "0.12"),
        ("USD/UZS = 12,650.50 +0.12%", "12650.50", "0.12"),
    ],
    ids=["space", "nbsp", "narrow-nbsp", "nbsp-entity", "comma-grouping", "comma-and-point"],
)
def test_uzs_printed_with_grouping_is_read_whole(
    server: PageServer, printed: str, rate: str, change: str
) -> None:
    lines = (*LINES[:3], printed, LINES[4])
    body = html(f"<div>{ticker(lines).replace(chr(10), '<br>')}</div>")
    url = serve(server, f"/uzs-{abs(hash(printed))}", body.encode(), Content_Type="text/html")
    result = poll(url)[1]
    assert rates(result)["USD/UZS"] == (rate, change)
    assert result.unreadable == ()


@pytest.mark.parametrize(
    "sign", ["\u200e-", "\u200f-", "\u061c-", "\u2010", "\u2011", "\u2212", "\ufe63", "\uff0d"]
)
def test_marks_and_every_minus_keep_a_change_negative(server: PageServer, sign: str) -> None:
    lines = (f"KGS/USD = 0.01144 {sign}0.22%", *LINES[1:])
    url = serve(
        server, f"/sign-{ord(sign[0]):x}", ticker(lines).encode(), Content_Type="text/plain"
    )
    assert rates(poll(url)[1])["KGS/USD"] == ("0.01144", "-0.22")


# ------------------------------------------------------------------ more encodings


@pytest.mark.parametrize(
    ("content_type", "head", "codec", "expected_codec", "origin"),
    [
        ("text/html; charset=ISO-8859-1", "", "cp1252", "cp1252", "http"),
        ("text/html; charset=latin1", "", "cp1252", "cp1252", "http"),
        ("text/html; charset=us-ascii", "", "cp1252", "cp1252", "http"),
        ("text/html; charset=koi8-r", "", "koi8_r", "koi8-r", "http"),
        ("text/html", '<meta charset="windows-1251">', "cp1251", "cp1251", "meta"),
        (
            "text/html",
            '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">',
            "koi8_r",
            "koi8-r",
            "meta",
        ),
        ("text/html; charset=x-no-such-thing", "<meta charset=koi8-r>", "koi8_r", "koi8-r", "meta"),
        ("text/html", "<meta charset=utf-16>", "utf-8", "utf-8", "meta"),
    ],
    ids=["iso-8859-1", "latin1", "ascii", "koi8-r", "meta", "http-equiv", "unknown", "meta-utf16"],
)
def test_labels_map_as_browsers_map_them(
    server: PageServer, content_type: str, head: str, codec: str, expected_codec: str, origin: str
) -> None:
    bullet = "\u2219" if codec == "koi8_r" else "\u2022"  # koi8-r has no U+2022
    filler = "<p>Caf\xe9 cr\xe8me</p>" if codec == "cp1252" else RUSSIAN
    body = html(f"<div>{ticker(bullet=bullet)}</div>{filler}", head).encode(codec)
    page, result = poll(serve(server, f"/label-{abs(hash(head + content_type))}", body,
                             Content_Type=content_type))  # fmt: skip
    assert (page.encoding, page.encoding_origin, page.replaced) == (expected_codec, origin, 0)
    assert rates(result)["KGS/USD"] == ("0.01144", "-0.22")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-8"])
def test_a_byte_order_mark_wins_over_the_header(server: PageServer, codec: str) -> None:
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-8": b"\xef\xbb\xbf"}[codec]
    body = bom + html(f"<div>{ticker()}</div>{RUSSIAN}").encode(codec)
    url = serve(server, f"/bom-{codec}", body, Content_Type="text/html; charset=windows-1252")
    page, result = poll(url)
    assert (page.encoding, page.encoding_origin) == (codec, "bom")
    assert len(result.rates) == 5 and "курсы" in (page.body or "")


def test_an_xml_declaration_names_the_encoding(server: PageServer) -> None:
    body = f'<?xml version="1.0" encoding="windows-1251"?>\n<rates>{ticker()}{RUSSIAN}</rates>'
    page, result = poll(serve(server, "/xml-1251", body.encode("cp1251"),
                              Content_Type="application/xml"))  # fmt: skip
    assert (page.encoding, page.encoding_origin) == ("cp1251", "meta")
    assert len(result.rates) == 5


def test_a_sources_encoding_setting_wins_over_a_wrong_label(server: PageServer) -> None:
    body = html(f"<div>{ticker()}</div>{RUSSIAN}").encode("cp1251")
    url = serve(server, "/mislabelled", body, Content_Type="text/html; charset=utf-8")
    page, _ = poll(url, encoding="cp1251")
    assert (page.encoding, page.encoding_origin, page.replaced) == ("cp1251", "config", 0)
    assert "курсы валют" in (page.body or "")


# ------------------------------------------------------------------ transfer codings


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


CODED = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": _zstd,
}


@pytest.mark.parametrize("coding", sorted(CODED))
def test_every_content_coding_is_read(server: PageServer, coding: str) -> None:
    body = CODED[coding](ticker().encode())
    url = serve(server, f"/c-{coding}", body, Content_Encoding=coding, Content_Type="text/plain")
    assert len(poll(url)[1].rates) == 5


def test_two_codings_are_undone_in_reverse_order(server: PageServer) -> None:
    body = brotli.compress(gzip.compress(ticker().encode()))
    url = serve(server, "/c-two", body, Content_Encoding="gzip, br", Content_Type="text/plain")
    assert len(poll(url)[1].rates) == 5


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip"])
def test_a_bomb_in_any_coding_stops_at_max_body(server: PageServer, coding: str) -> None:
    bomb = CODED[coding](b"\0" * (64 * 2**20))
    url = serve(server, f"/bomb-{coding}", bomb, Content_Encoding=coding)
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize(
    ("coding", "body", "words"),
    [
        ("compress", b"whatever", "unsupported Content-Encoding 'compress'"),
        ("br", b"\xff\xff not brotli", "the br body is corrupt"),
        ("zstd", b"not zstd at all", "the zstd body is corrupt"),
        ("gzip", gzip.compress(b"x" * 10_000)[:-30], "the gzip body ends before its end"),
    ],
    ids=["unsupported", "corrupt-br", "corrupt-zstd", "truncated-gzip"],
)
def test_a_body_that_cannot_be_decompressed_says_why(
    server: PageServer, coding: str, body: bytes, words: str
) -> None:
    url = serve(server, f"/broken-{coding}-{len(body)}", body, Content_Encoding=coding)
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert caught.value.reason == "decode"
    assert words in caught.value.message


def test_raw_deflate_whose_first_chunk_is_one_byte_is_read(server: PageServer) -> None:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = packer.compress(ticker().encode()) + packer.flush()

    def one_byte_first(req: Any) -> None:
        req.send_response(200)
        req.send_header("Content-Encoding", "deflate")
        req.send_header("Content-Length", str(len(raw)))
        req.end_headers()
        req.wfile.write(raw[:1])
        req.wfile.flush()
        time.sleep(0.1)
        req.wfile.write(raw[1:])

    assert len(poll(server.route("/deflate-1", one_byte_first))[1].rates) == 5


def test_every_member_of_a_multi_member_gzip_body_is_read(server: PageServer) -> None:
    text = ticker().encode()
    body = gzip.compress(text[:100]) + gzip.compress(text[100:])
    url = serve(server, "/gz-members", body, Content_Encoding="gzip", Content_Type="text/plain")
    assert fetch(url).body == text.decode()


def test_a_zstd_frame_cut_short_is_a_decode_error(server: PageServer) -> None:
    whole = _zstd(ticker().encode() * 50)
    url = serve(server, "/zstd-cut", whole[: len(whole) // 2], Content_Encoding="zstd")
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert (caught.value.reason, caught.value.message) == (
        "decode",
        "the zstd body ends before its end",
    )


@pytest.mark.parametrize("label", ["base64", "rot13", "hex", "utf-32", "cp037", "undefined"])
def test_a_label_naming_no_web_encoding_is_skipped(server: PageServer, label: str) -> None:
    body = html(f"<div>{ticker()}</div>{RUSSIAN}", f"<meta charset={label}>").encode()
    url = serve(server, f"/label-{label}", body, Content_Type=f"text/html; charset={label}")
    page, result = poll(url)
    assert (page.encoding, page.encoding_origin) == ("utf-8", "detected")
    assert len(result.rates) == 5


def test_an_unlabelled_utf8_page_with_one_bad_byte_stays_utf8(server: PageServer) -> None:
    body = html(f"<div>{ticker()}</div>{RUSSIAN}").encode() + b"<p>\xff</p>"
    page, result = poll(serve(server, "/utf8-one-bad", body, Content_Type="text/html"))
    assert (page.encoding, page.encoding_origin, page.replaced) == ("utf-8", "detected", 1)
    assert len(result.rates) == 5


def test_utf16_without_a_bom_or_label_is_detected(server: PageServer) -> None:
    body = html(f"<div>{ticker()}</div>{RUSSIAN}").encode("utf-16-le")
    page, result = poll(serve(server, "/utf16-bare", body, Content_Type="text/html"))
    assert page.encoding == "utf-16-le" and len(result.rates) == 5


def test_a_meta_charset_past_the_first_1024_bytes_is_not_read(server: PageServer) -> None:
    late = f"<!-- {'x' * 1100} --><meta charset=windows-1251>"
    body = html(f"<div>{ticker()}</div>{RUSSIAN}", late).encode()
    page, _ = poll(serve(server, "/late-meta", body, Content_Type="text/html"))
    assert (page.encoding, page.encoding_origin) == ("utf-8", "detected")
