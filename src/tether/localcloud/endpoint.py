"""Where the local cloud listens and how a client recognises it.

Shared by the server and the process manager (and free of moto, so cheap to import).
"""

from __future__ import annotations

import os

from tether.errors import TetherError

ALLOWED_HOSTS = ("127.0.0.1", "localhost", "::1")
# How a request's Host header may name a loopback server (with its port after a colon).
LOOPBACK_HOST_NAMES = ("127.0.0.1", "localhost", "[::1]")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4599
PORT_VARIABLE = "TETHER_LOCAL_PORT"  # the port a local cloud starts on when none is named
DEFAULT_REGION = "us-east-1"  # what `tether local env` sets; the local cloud serves every region
HEALTH_PATH = "/_tether/health"
SERVICE = "tether-local-cloud"


def endpoint_for(host: str, port: int) -> str:
    """The URL clients use for `host:port` (IPv6 literals get brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def default_port() -> int:
    """The port a local cloud starts on when no port is named: $TETHER_LOCAL_PORT, else 4599."""
    value = os.environ.get(PORT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_PORT
    if not value.isdigit() or not 1024 <= int(value) <= 65535:
        raise TetherError(
            f"{PORT_VARIABLE}={value!r} is not a port Tether can listen on",
            hint=f"set {PORT_VARIABLE} to a number from 1024 to 65535, or unset it for {DEFAULT_PORT}",
        )
    return int(value)
