"""The web config file, a subset of the Prometheus exporter-toolkit format: TLS and basic
auth (config/CONFIGURATION.md lists the keys supported and not).

tls_server_config:
  cert_file: server.crt        # relative paths: relative to this file
  key_file: server.key
basic_auth_users:
  prometheus: $2y$10$...       # bcrypt hashes (htpasswd -nBC 10 "" | tr -d ':\\n')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, Field

from tickerwatch.config.yamlfile import StrictModel, load_yaml_model
from tickerwatch.core.errors import ConfigError

# $2a$, $2b$ or $2y$, a cost of 04–31, then 53 characters of salt and hash
BCRYPT_HASH: Final = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")


def _bcrypt(value: str) -> str:
    if not BCRYPT_HASH.fullmatch(value):
        raise ValueError("not a bcrypt hash (expected $2y$10$…, 60 characters)")
    return value


class TLSServerConfig(StrictModel):
    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None
    client_auth_type: Literal["NoClientCert", "RequireAndVerifyClientCert"] = "NoClientCert"


class WebFile(StrictModel):
    tls_server_config: TLSServerConfig | None = None
    basic_auth_users: dict[
        Annotated[str, Field(min_length=1, pattern=r"^[^:]+$")],
        Annotated[str, AfterValidator(_bcrypt)],
    ] = Field(default_factory=dict)


def load_web_file(path: Path) -> WebFile:
    """Load and check the web config file; file paths in it become absolute."""
    web = load_yaml_model(path, WebFile, environ={})
    tls = web.tls_server_config
    if tls is None:
        return web
    resolved = {
        name: (value if value is None or value.is_absolute() else path.parent / value)
        for name, value in (
            ("cert_file", tls.cert_file), ("key_file", tls.key_file),
            ("client_ca_file", tls.client_ca_file),
        )
    }  # fmt: skip
    missing = [
        f"{path}:1: tls_server_config.{n}: no such file: {v}"
        for n, v in resolved.items()
        if v is not None and not v.is_file()
    ]
    if missing:
        raise ConfigError(missing)
    return web.model_copy(update={"tls_server_config": tls.model_copy(update=resolved)})
