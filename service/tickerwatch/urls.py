"""URLs as the config takes them: http(s), with a host, and a port (if any) in range.
Messages never quote a URL whose problem is elsewhere than its scheme (it may hold a token)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import SplitResult, urlsplit

from pydantic import AfterValidator


def _port_in_range(parts: SplitResult, what: str) -> None:
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ValueError(f"bad port in the {what}: {exc}") from None


def http_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// URL, got {text!r}")
    _port_in_range(parts, "URL")
    return text


def proxy_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"expected a proxy URL such as http://proxy.example:3128, got {text!r}")
    _port_in_range(parts, "proxy URL")
    return text


def one_per_host(urls: tuple[str, ...]) -> tuple[str, ...]:
    """Alertmanager URLs: each host and port once (it names the receiver in metrics)."""
    hosts = [(urlsplit(u).hostname, urlsplit(u).port) for u in urls]
    if len(set(hosts)) != len(hosts):
        raise ValueError("two URLs name the same host and port (the receiver label)")
    return urls


HttpURL = Annotated[str, AfterValidator(http_url)]
ProxyURL = Annotated[str, AfterValidator(proxy_url)]
