"""The web server's listening socket, bound before uvicorn starts so that a port in use is
one clear error (`ListenError`) instead of uvicorn's log lines and exit."""

from __future__ import annotations

import errno
import socket

from tickerwatch.core.errors import ListenError


def listening_socket(host: str, port: int, hint: str) -> socket.socket:
    """A TCP socket bound to host:port (the first address `host` resolves to; `0.0.0.0`
    and `::` mean every address), ready for uvicorn's `serve(sockets=…)`. Raises
    ListenError naming the port and `hint` (how to choose another) when it is in use, or
    saying why the address cannot be bound."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ListenError(f"port {port} is in use; choose another {hint}") from exc
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock
