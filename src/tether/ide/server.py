"""Running the IDE: a loopback socket, the URL with the token, uvicorn in this process.

The socket is bound before the app is made, so `--port 0` (any free port) still gives the app
the port its Host check needs. Uvicorn serves until Ctrl-C (or `stop()` from another thread:
the tests run the server in a thread).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


@contextlib.contextmanager
def serving_in_thread(root: Path, *, stage: str = "dev") -> Iterator[tuple[IdeServer, IdeConfig]]:
    """The IDE server on `root` (target local) in a thread of this process, on a free port,
    until the block ends; yields (server, config). For tests and benchmarks."""
    from tether.ide.security import new_token

    sock = bind(0)
    config = IdeConfig(
        root=root, stage=stage, target="local", token=new_token(), port=sock.getsockname()[1]
    )
    server = IdeServer(config, sock)
    thread = threading.Thread(target=server.run, name="ide-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the IDE server did not start")
        time.sleep(0.02)
    try:
        yield server, config
    finally:
        server.stop()
        thread.join(10)
        sock.close()
