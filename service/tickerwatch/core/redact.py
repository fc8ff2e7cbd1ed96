"""Keep secrets out of what tickerwatch shows: passwords in URLs and token-like query values."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED: Final = "<redacted>"
_SENSITIVE: Final = re.compile(r"token|key|secret|pass|auth|sig|session|code", re.I)


def redact_url(url: str) -> str:
    """https://user:pw@host/p?token=abc&lang=en → https://user:<redacted>@host/p?token=<redacted>&lang=en"""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, _, hostport = netloc.rpartition("@")
            netloc = f"{userinfo.partition(':')[0]}:{REDACTED}@{hostport}"
        query = urlencode(
            [
                (k, REDACTED if _SENSITIVE.search(k) else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ],
            safe="<>",
        )
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return REDACTED
