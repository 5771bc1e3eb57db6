"""Where the local cloud listens and how a client recognises it.

Shared by the server and the process manager (and free of moto, so cheap to import).
"""

from __future__ import annotations

ALLOWED_HOSTS = ("127.0.0.1", "localhost", "::1")
# How a request's Host header may name a loopback server (with its port after a colon).
LOOPBACK_HOST_NAMES = ("127.0.0.1", "localhost", "[::1]")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4599
DEFAULT_REGION = "us-east-1"  # what `tether local env` sets; the local cloud serves every region
HEALTH_PATH = "/_tether/health"
SERVICE = "tether-local-cloud"


def endpoint_for(host: str, port: int) -> str:
    """The URL clients use for `host:port` (IPv6 literals get brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
