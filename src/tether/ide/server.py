"""Running the IDE: a loopback socket, the URL with the token, uvicorn in this process.

The socket is bound before the app is made, so `--port 0` (any free port) still gives the app
the port its Host check needs. Uvicorn serves until Ctrl-C (or `stop()` from another thread:
the tests run the server in a thread).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import uvicorn

from tether.ide.app import IdeConfig, create_app

LOOPBACK = "127.0.0.1"


def bind(port: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 only (never on a public interface)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url(config: IdeConfig, *, with_token: bool = True) -> str:
    base = f"http://{LOOPBACK}:{config.port}/"
    return f"{base}?token={config.token}" if with_token else base


@dataclass
class IdeServer:
    """uvicorn serving one IDE on an already bound socket."""

    config: IdeConfig
    sock: socket.socket

    def __post_init__(self) -> None:
        self.app = create_app(self.config)
        settings = uvicorn.Config(
            self.app,
            lifespan="on",
            log_level="warning",
            ws="websockets-sansio",
            http="h11",
            access_log=False,
        )
        self.server = uvicorn.Server(settings)

    def run(self) -> None:
        """Serve until stopped; Ctrl-C stops cleanly (uvicorn handles the signal)."""
        self.server.run(sockets=[self.sock])

    @property
    def started(self) -> bool:
        return bool(self.server.started)

    def stop(self) -> None:
        self.server.should_exit = True
