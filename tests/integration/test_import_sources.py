"""`tickerwatch import` and `tickerwatch parse` read a page with its source's settings, as a
poll does: the source's `encoding` decodes files, WARC records and URLs, and a URL is
fetched with the source's `max_body` (and timeout, proxy, redirects: Fetcher.fetch_source).
A windows-1251 page that claims to be UTF-8 reads only when the source says so."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from support.feeds import source
from support.httpserver import PageServer
from tickerwatch.core.errors import ParseError
from tickerwatch.core.parse.formats import Widget, compile_pattern
from tickerwatch.explain import read
from tickerwatch.importer import run_import
from tickerwatch.store.sqlite import HistoryDB

PATTERN = (
    r"(?P<base>[A-Z]{3})/(?P<quote>[A-Z]{3}) курс (?P<rate>\d+\.\d+) (?P<change>[-+]?\d+\.\d+)%"
)
KG = replace(
    source("pattern"), name="kg", entry_pattern=compile_pattern(PATTERN, Widget()), widget=Widget()
)
PAGE = (
    '<html><head><meta charset="utf-8"></head><body><p>USD/KGS курс 87.4500 +0.10%</p>'
    "<p>EUR/KGS курс 101.5076 -0.20%</p></body></html>"
).encode("cp1251")


def test_the_source_encoding_and_body_limit_apply(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_bytes(PAGE)
    declared = replace(KG, encoding="cp1251")
    db = HistoryDB(tmp_path / "h.db")
    with PageServer() as server:
        url = server.page("/today", PAGE, "text/html")
        plain = run_import(db, KG, [str(tmp_path / "page.txt"), url], 1.7e9, now=2e9)
        assert sum(plain.dated.values()) == 0 and len(plain.skipped) == 2
        summary = run_import(db, declared, [str(tmp_path / "page.txt"), url], 1.7e9, now=2e9)
        assert (dict(summary.dated), summary.skipped) == ({"the fixed date": 2}, [])
        small = run_import(db, replace(declared, max_body=100), [url], 1.7e9, now=2e9)
        assert [reason.split(":")[0] for _, reason in small.skipped] == ["too_large"]
    assert read(str(tmp_path / "page.txt"), declared)[1].entries  # tickerwatch parse
    with pytest.raises(ParseError, match="no_ticker"):
        read(str(tmp_path / "page.txt"), KG)
