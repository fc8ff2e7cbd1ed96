"""Keep secrets out of what tickerwatch shows: passwords in URLs and token-like query values."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote_plus, urlsplit, urlunsplit

REDACTED: Final = "<redacted>"
_SENSITIVE: Final = re.compile(r"token|key|secret|pass|auth|sig|session|code", re.I)


def redact_url(url: str) -> str:
    """https://user:pw@host/p?token=abc&lang=en → https://user:<redacted>@host/p?token=<redacted>&lang=en

    Everything else is kept as written (percent-encoding, a dated URL's `%Y`, the
    scheme's case)."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, _, hostport = netloc.rpartition("@")
            netloc = f"{userinfo.partition(':')[0]}:{REDACTED}@{hostport}"
        query = "&".join(_redact_field(field) for field in parts.query.split("&"))
        scheme = url[: len(parts.scheme)]  # urlsplit lower-cases it
        return urlunsplit((scheme, netloc, parts.path, query, ""))
    except ValueError:
        return REDACTED


def _redact_field(field: str) -> str:
    """One `key=value` of a query: the value redacted when the key looks like a secret's."""
    key, sep, _ = field.partition("=")
    if sep and _SENSITIVE.search(unquote_plus(key)):
        return f"{key}={REDACTED}"
    return field
