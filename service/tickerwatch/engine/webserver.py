"""uvicorn's config for the service: the connection guard (web.guard) and the web config
file (TLS, basic auth), which a reload reads again."""

from __future__ import annotations

import contextlib
import resource
import ssl
from collections.abc import Callable, Iterator
from typing import Any, Final

import structlog
import uvicorn

from tickerwatch.config.webfile import TLSServerConfig, WebFile, load_web_file
from tickerwatch.core.errors import ConfigError
from tickerwatch.core.settings import Settings
from tickerwatch.web.auth import BasicAuth
from tickerwatch.web.guard import Guard, RejectAmbiguousLength, guarded_h11

log = structlog.get_logger("tickerwatch.service")

BACKLOG: Final = 64  # the listen queue, and how many connections asyncio accepts in a row


class QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the service owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """`config`: what uvicorn serves `app` with; `count(reason)`: a connection closed by
    the guard. Raises ConfigError for a bad web config file."""

    def __init__(self, settings: Settings, app: Any, count: Callable[[str], None]) -> None:
        self.path = settings.web.config_file
        guard = Guard(max_open(), count)
        extra: dict[str, Any] = {}
        self.auth: BasicAuth | None = None
        self.tls: TLSServerConfig | None = None
        if self.path is not None:
            web_file = load_web_file(self.path)
            app = self.auth = BasicAuth(app, web_file.basic_auth_users)
            self.tls = tls = web_file.tls_server_config
            if tls is not None:
                extra = {"ssl_certfile": str(tls.cert_file), "ssl_keyfile": str(tls.key_file)}
                if tls.client_ca_file is not None:
                    extra["ssl_ca_certs"] = str(tls.client_ca_file)
                if tls.client_auth_type == "RequireAndVerifyClientCert":
                    extra["ssl_cert_reqs"] = ssl.CERT_REQUIRED
        self.config = uvicorn.Config(
            RejectAmbiguousLength(app, guard), host=settings.web.host, port=settings.web.port,
            log_config=None, lifespan="off", access_log=False, server_header=False,
            http=guarded_h11(guard), timeout_keep_alive=5, backlog=BACKLOG, **extra,
        )  # fmt: skip

    def prepare_reload(self) -> Callable[[], None]:
        """Read the web config file again and check it whole (a certificate and key that
        do not load are a ConfigError); return what applies it: the users, and the
        certificate and key, for the next request and handshake. Turning TLS on or off,
        or a changed client CA or client auth type, needs a restart (a warning says so)."""
        if self.path is None:
            return lambda: None
        web_file = load_web_file(self.path)
        tls = web_file.tls_server_config
        if (tls is None) != (self.tls is None) or (
            tls is not None and self.tls is not None and _client(tls) != _client(self.tls)
        ):
            log.warning("reload_needs_restart", key="tls_server_config", file=str(self.path))
            tls = None
        elif tls is not None:
            _check_pair(tls, self.path)
        return lambda: self._apply(web_file, tls)

    def _apply(self, web_file: WebFile, tls: TLSServerConfig | None) -> None:
        if self.auth is not None:
            self.auth.set_users(web_file.basic_auth_users)
        context = self.config.ssl  # uvicorn's, loaded when it started serving
        if tls is not None and context is not None:
            context.load_cert_chain(tls.cert_file, tls.key_file)
            self.tls = tls


def _client(tls: TLSServerConfig) -> tuple[object, ...]:
    return (tls.client_ca_file, tls.client_auth_type)


def _check_pair(tls: TLSServerConfig, path: object) -> None:
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            tls.cert_file, tls.key_file
        )
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(
            [f"{path}: tls_server_config: cannot load {tls.cert_file}: {exc}"]
        ) from exc


def max_open() -> int:
    """Web connections allowed open at once: the file descriptors the process may open
    (RLIMIT_NOFILE, at most 65,536) less 128 for the database, polls and notifiers and
    less 3 × BACKLOG (asyncio accepts that many in a row, again in the next turns of the
    loop, before the protocol sees any): 704 of 1024."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    usable = min(soft if soft != resource.RLIM_INFINITY else 65536, 65536)
    return max(16, usable - 128 - 3 * BACKLOG)
