from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import pages
from support.httpserver import PageServer
from support.pages import DEC_08
from support.service import Service, config_text


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.page("/", pages.list_items(DEC_08))
        yield server


@pytest.fixture
def service(tmp_path: Path, site: PageServer) -> Iterator[Service]:
    sources = (
        f"  - name: timesca\n    url: {site.url('/')}\n"
        "    pairs: [KGS/USD, KZT/USD, TJS/USD, UZS/USD, TMT/USD]\n"
    )
    svc = Service(tmp_path, config_text(sources))
    try:
        yield svc.start()
    finally:
        svc.close()
