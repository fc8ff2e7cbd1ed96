"""URLs as the config takes them: http(s), with a host, a port (if any) in range, and no
whitespace or control character anywhere (urlsplit drops a trailing newline, tabs and
leading spaces, so such a URL would pass here and fail every send).
Messages never quote a URL whose problem is elsewhere than its scheme (it may hold a token)."""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import SplitResult, urlsplit

from pydantic import AfterValidator

_NAMES: Final = {" ": "a space", "\t": "a tab", "\n": "a line feed", "\r": "a carriage return"}
_ECHO_HINT: Final = " (a secret made with `echo` ends in one: use `echo -n`)"


def _printable_only(text: str, what: str) -> None:
    """Raise ValueError naming the first whitespace or non-printable character (by code
    point and position, never the text around it)."""
    for i, char in enumerate(text):
        if char.isprintable() and not char.isspace():
            continue
        code = f"U+{ord(char):04X}"
        name = f"{_NAMES[char]} ({code})" if char in _NAMES else code
        hint = _ECHO_HINT if char == "\n" and i == len(text) - 1 else ""
        raise ValueError(
            f"the {what} holds {name} at character {i + 1} of {len(text)};"
            f" URLs may not hold whitespace or control characters{hint}"
        )


def _port_in_range(parts: SplitResult, what: str) -> None:
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ValueError(f"bad port in the {what}: {exc}") from None


def http_url(text: str) -> str:
    return _checked(text, "URL", "an http:// or https:// URL")


def proxy_url(text: str) -> str:
    return _checked(text, "proxy URL", "a proxy URL such as http://proxy.example:3128")


def _checked(text: str, what: str, expected: str) -> str:
    """http(s), a host, printable characters only, a port (if any) in range."""
    _printable_only(text, what)
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"expected {expected}, got {text!r}")
    _port_in_range(parts, what)
    return text


def one_per_host(urls: tuple[str, ...]) -> tuple[str, ...]:
    """Alertmanager URLs: each host and port once (it names the receiver in metrics)."""
    hosts = [(urlsplit(u).hostname, urlsplit(u).port) for u in urls]
    if len(set(hosts)) != len(hosts):
        raise ValueError("two URLs name the same host and port (the receiver label)")
    return urls


HttpURL = Annotated[str, AfterValidator(http_url)]
ProxyURL = Annotated[str, AfterValidator(proxy_url)]
