"""Feeds that answer with something other than rates: each a failed poll with a reason
(ParseError, reason no_ticker), never a rate; and entries that cannot be read, kept and
counted, never dropped. Served by a real local server; the broken bodies are our own,
built from the recorded ones."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.feeds import FEEDS, XML, by_pair, example, read, served, source
from support.httpserver import PageServer, send
from tickerwatch.core.errors import ParseError
from tickerwatch.core.model import Page
from tickerwatch.core.settings import Source
from tickerwatch.sources import READERS

NBKR = (FEEDS / "nbkr_daily_2026-05-24.xml").read_bytes()
CBU = json.loads((FEEDS / "cbu_json_all_2026-04-01.json").read_text())
ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head>"
    b"<body><h1>Maintenance</h1><p>Back soon.</p></body></html>"
)


@pytest.fixture(scope="module")
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        yield srv


def refusal(page: Page, fmt: str) -> str:
    with pytest.raises(ParseError) as caught:
        READERS[fmt](page, source(fmt), None)
    assert caught.value.reason == "no_ticker"
    return caught.value.message


@pytest.mark.parametrize("fmt", ["nbkr", "nbk", "cbu", "nbt", "cbt", "xml", "json"])
def test_an_html_error_page_with_status_200_is_a_failed_poll(server: PageServer, fmt: str) -> None:
    page = served(server, f"maintenance-{fmt}", ERROR_PAGE, "text/html; charset=utf-8")
    src = GENERIC.get(fmt) or source(fmt)
    with pytest.raises(ParseError, match="an HTML page, not the feed") as caught:
        READERS[fmt](page, src, None)
    assert "503 Service Temporarily Unavailable" in caught.value.message


GENERIC: dict[str, Source] = {"xml": example("nbkr-generic"), "json": example("cbu-generic")}


def test_a_json_error_object_is_a_failed_poll(server: PageServer) -> None:
    body = json.dumps({"error": "Service unavailable", "code": 500}).encode()
    page = served(server, "cbu-error", body, "application/json")
    assert refusal(page, "cbu") == "the feed answered with an error: 'Service unavailable'"


def test_a_json_object_that_is_not_the_list_is_a_failed_poll(server: PageServer) -> None:
    page = served(server, "cbu-object", json.dumps({"rates": CBU[:2]}).encode(), "application/json")
    assert refusal(page, "cbu").startswith("items '@' finds no list in the document")


@pytest.mark.parametrize(
    ("fmt", "body", "content_type"),
    [
        ("cbu", b"[]", "application/json"),
        ("nbkr", b'<?xml version="1.0"?>\n<CurrencyRates Date="24.05.2026"></CurrencyRates>', XML),
        ("cbt", b"<cbt_currency_rate><date>20.05.2026</date></cbt_currency_rate>", XML),
    ],
    ids=["cbu-empty-list", "nbkr-no-currency", "cbt-no-rate"],
)
def test_a_feed_with_no_entries_is_a_failed_poll(
    server: PageServer, fmt: str, body: bytes, content_type: str
) -> None:
    page = served(server, f"empty-{fmt}", body, content_type)
    assert refusal(page, fmt) == "the feed lists no rates"


def test_another_document_than_the_feed_is_a_failed_poll(server: PageServer) -> None:
    page = served(server, "wrong-feed", (FEEDS / "nbt_export_xml_2026-05-18.xml").read_bytes(), XML)
    assert refusal(page, "nbkr") == (
        "not the feed: the document is <ValCurs>, expected <CurrencyRates>"
    )


@pytest.mark.parametrize(
    ("fmt", "body", "said"),
    [
        ("cbu", b"", "the body is empty"),
        ("nbkr", b"  \n", "the body is empty"),
        ("cbu", b"null", "neither JSON nor XML: the body starts 'null'"),
    ],
    ids=["cbu-empty", "nbkr-blank", "cbu-null"],
)
def test_an_empty_or_shapeless_body_says_so(
    server: PageServer, fmt: str, body: bytes, said: str
) -> None:
    page = served(server, f"shapeless-{fmt}-{len(body)}", body, "application/octet-stream")
    assert refusal(page, fmt) == said


def test_white_space_before_the_xml_declaration_is_read_past(server: PageServer) -> None:
    page = served(server, "leading-blank", b"\r\n" + NBKR, XML)
    ticker = READERS["nbkr"](page, source("nbkr"), None)[1]
    assert ticker is not None and len(ticker.entries) == 5


def test_a_truncated_body_is_a_failed_poll(server: PageServer) -> None:
    page = served(server, "truncated", NBKR[: len(NBKR) // 2], XML)
    assert refusal(page, "nbkr").startswith("not well-formed XML")


def test_a_body_without_its_date_is_a_failed_poll(server: PageServer) -> None:
    body = NBKR.replace(b' Date="24.05.2026"', b"")
    message = refusal(served(server, "no-date", body, XML), "nbkr")
    assert message.startswith("the feed's 5 entries cannot be read; the first")
    assert message.endswith("no date")


def test_an_entry_that_cannot_be_read_is_kept_with_its_reason(server: PageServer) -> None:
    body = (
        NBKR.replace(b"<Value>101,5076</Value>", b"<Value>n/a</Value>")
        .replace(b"<Nominal>1</Nominal>\n<Value>12,8707", b"<Nominal>3</Nominal>\n<Value>12,8707")
        .replace(b'ISOCode="RUB"', b'ISOCode="RUBLE"')
    )
    result = read(served(server, "unreadable", body, XML), source("nbkr"))
    assert sorted(by_pair(result)) == ["KZT/KGS", "USD/KGS"]
    reasons = {(str(u.pair), u.reason) for u in result.unreadable}
    assert reasons == {
        ("EUR/KGS", "not_a_number"),
        ("CNY/KGS", "bad_nominal"),
        ("None", "bad_pair"),
    }
    assert result.unreadable_entries == 3
    assert any("<Value>n/a</Value>" in u.text for u in result.unreadable)


def test_an_entry_dated_unreadably_is_kept_with_its_reason(server: PageServer) -> None:
    entries = [dict(CBU[0]), dict(CBU[1], Date="31.02.2026")]
    page = served(server, "cbu-bad-date", json.dumps(entries).encode(), "application/json")
    result = read(page, source("cbu"))
    assert sorted(by_pair(result)) == ["USD/UZS"]
    (bad,) = result.unreadable
    assert (str(bad.pair), bad.reason) == ("EUR/UZS", "bad_date")


# ------------------------------------------------------------------ XML bombs


def billion_laughs(levels: int = 9) -> bytes:
    """The classic: ten references per level, `lol` × 10**levels once expanded (3 GB)."""
    entities = "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">\n'
        for i in range(1, levels + 1)
    )
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE CurrencyRates [\n<!ENTITY lol "lol">\n'
        f'{entities}]>\n<CurrencyRates Date="24.05.2026"><Currency ISOCode="USD">'
        f"<Nominal>1</Nominal><Value>&lol{levels};</Value></Currency></CurrencyRates>"
    ).encode()


def test_a_billion_laughs_body_is_refused(server: PageServer) -> None:
    page = served(server, "bomb", billion_laughs(), XML)
    assert refusal(page, "nbkr").startswith("XML refused")


def test_a_billion_laughs_body_costs_no_memory(server: PageServer, tmp_path: Path) -> None:
    """Read in a fresh interpreter, so that its peak memory is the bomb's and nothing else:
    the refusal must leave the peak where the imports left it."""
    bomb = billion_laughs()
    url = server.route("/bomb-memory", lambda r: send(r, 200, bomb, {"Content-Type": XML}))
    probe = (
        "import resource, sys\n"
        "from support.feeds import fetch, source\n"
        "from tickerwatch.sources import READERS\n"
        "from tickerwatch.core.errors import ParseError\n"
        "page = fetch(sys.argv[1])\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    READERS['nbkr'](page, source('nbkr'), None)\n"
        "except ParseError as exc:\n"
        "    print(exc.message)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    tests = Path(__file__).resolve().parents[1]
    paths = [str(tests), *sys.path]
    env = {"PYTHONPATH": ":".join(paths), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", probe, url], capture_output=True, text=True, env=env,
        timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    message, grown_kib = done.stdout.splitlines()
    assert message.startswith("XML refused")
    assert int(grown_kib) < 20 * 1024, f"peak memory grew by {int(grown_kib) // 1024} MiB"


def test_a_doctype_is_refused_even_without_entities(server: PageServer) -> None:
    body = NBKR.replace(b"<CurrencyRates", b"<!DOCTYPE CurrencyRates>\n<CurrencyRates", 1)
    assert refusal(served(server, "doctype", body, XML), "nbkr").startswith("XML refused")
