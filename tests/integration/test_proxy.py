"""Polls through a real forward proxy (tinyproxy): the environment's HTTP_PROXY and
NO_PROXY as curl and httpx read them, and a source's own `proxy_url`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.httpserver import PageServer, free_port
from support.pages import DEC_08, plain_ticker
from support.proxy import ForwardProxy, via_proxy
from tickerwatch.core.errors import FetchError
from tickerwatch.core.model import Page
from tickerwatch.fetch.client import Clients, Fetcher, RetryPolicy

TICKER = plain_ticker(DEC_08)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[ForwardProxy]:
    with ForwardProxy(tmp_path) as running:
        yield running


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def fetch(url: str, proxy: str | None = None) -> Page:
    async def go() -> Page:
        async with Clients() as clients:
            fetcher = Fetcher(clients, RetryPolicy(attempts=1))
            return await fetcher.fetch(url, deadline=5, max_body=2**20, proxy=proxy)

    return asyncio.run(go())


def test_http_proxy_from_the_environment_carries_the_poll(
    server: PageServer, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.page("/", TICKER, "text/plain")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    page = fetch(url)
    assert page.body == TICKER
    assert via_proxy(server.requests[-1][1])


def test_no_proxy_exempts_a_host(
    server: PageServer, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.page("/", TICKER, "text/plain")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert fetch(url).body == TICKER
    assert not via_proxy(server.requests[-1][1])


def test_a_sources_proxy_url_carries_its_poll_without_any_environment(
    server: PageServer, proxy: ForwardProxy
) -> None:
    url = server.page("/", TICKER, "text/plain")
    assert fetch(url, proxy=proxy.url).body == TICKER
    assert via_proxy(server.requests[-1][1])
    fetch(url)  # and a source without one goes direct
    assert not via_proxy(server.requests[-1][1])


def test_a_dead_proxy_is_named_in_the_error(
    server: PageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.page("/", TICKER, "text/plain")
    dead = f"http://user:hunter2@127.0.0.1:{free_port()}"
    monkeypatch.setenv("HTTP_PROXY", dead)
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert caught.value.reason == "connect"
    assert "HTTP_PROXY is http://user:<redacted>@127.0.0.1" in caught.value.message
    assert "hunter2" not in caught.value.message
    assert server.hits("/") == 0


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "ftp://127.0.0.1:21", "http://[::1"])
def test_a_proxy_the_environment_names_but_httpx_cannot_use_fails_the_poll_clearly(
    server: PageServer, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    url = server.page("/", TICKER, "text/plain")
    monkeypatch.setenv("HTTP_PROXY", value)
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert caught.value.reason == "connect"
    assert caught.value.message.startswith("cannot use the proxy named by HTTP_PROXY")
