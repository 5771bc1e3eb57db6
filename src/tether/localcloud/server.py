"""The local cloud's server: moto's server mode with Tether's extensions, on loopback only.

    python -m tether.localcloud.server --host 127.0.0.1 --port 4599

Installs the extensions, serves every AWS API moto knows on one threaded werkzeug server
(moto's DomainDispatcherApplication picks the service per request), prints one line
`tether local cloud listening on http://127.0.0.1:N (state in memory)` once the socket
listens, and exits with status 0 on SIGTERM or SIGINT. It also answers `GET /_tether/health`
so `tether.localcloud.process` can tell this server from another program on the port, and
`/_tether/schedules` (`scheduler_http`). With it run the HTTP router (`router`: each HTTP API
on its own port, from N + 1) and the scheduler (`scheduler`: schedule rules fire on time).

Every request passes the `gate` first: loopback `Host` with this server's port, no foreign
`Origin`, no CORS, a body of at most 1 GiB, and a signature made with the credentials of this
TETHER_HOME (`credentials`; only the health check is open). It listens on loopback only, with
a listen backlog sized for bursts of concurrent clients (`LISTEN_BACKLOG`).

This module imports moto only when the server runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from tether.localcloud.endpoint import (
    ALLOWED_HOSTS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    HEALTH_PATH,
    SERVICE,
    endpoint_for,
)

READY_LINE = "tether local cloud listening on {endpoint} (state in memory)"
LISTEN_BACKLOG = 256  # socketserver's default is 5, werkzeug's 128

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def with_health(app: WsgiApp) -> WsgiApp:
    """Answer GET /_tether/health ourselves; pass every other request to moto."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            body = json.dumps({"service": SERVICE, "pid": os.getpid()}).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return app(environ, start_response)

    return application


def _log_to_stderr(name: str, level: int) -> None:
    """Messages of the router, the scheduler and the extensions go to cloud.log."""
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    on_ready: Callable[[str], None] | None = None,
    verbose: bool = False,
) -> int:
    """Run the server in this process until SIGTERM/SIGINT; return the exit status.

    `on_ready(endpoint)` runs once the socket listens. Must run in the main thread (signals).
    """
    if host not in ALLOWED_HOSTS:
        print(
            f"error: refusing to listen on {host!r}: the local cloud serves this machine only, "
            f"so it only listens on {', '.join(ALLOWED_HOSTS)}",
            file=sys.stderr,
        )
        return 2
    # moto reads these when it builds URLs that point back at the server.
    os.environ.setdefault("MOTO_PORT", str(port))
    os.environ.setdefault("MOTO_HOST", host)
    # No permissive CORS from moto (the gate strips what remains, e.g. a bucket's CORS rules).
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"

    from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
    from werkzeug.serving import DechunkedInput, ThreadedWSGIServer

    from tether.localcloud import router, scheduler
    from tether.localcloud.credentials import Keyring, home_credentials
    from tether.localcloud.dispatch import SignedServiceDispatcher
    from tether.localcloud.extensions import install_all
    from tether.localcloud.gate import BoundedDechunkedInput, Gate, max_body
    from tether.localcloud.origins import AllowedOrigins
    from tether.localcloud.process import tether_home
    from tether.localcloud.scheduler_http import with_schedules

    install_all()
    # One line per request is noise in cloud.log; keep warnings and errors.
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    _log_to_stderr("tether.localcloud", logging.INFO if verbose else logging.WARNING)
    home = tether_home()
    limit = max_body()
    gate = Gate(
        with_health(with_schedules(SignedServiceDispatcher(create_backend_app))),
        keyring=Keyring(home_credentials(home)),
        origins=AllowedOrigins(home),
        limit=limit,
    )

    class RequestHandler(MotoRequestHandler):
        def make_environ(self) -> dict[str, Any]:
            environ: dict[str, Any] = super().make_environ()
            if isinstance(environ.get("wsgi.input"), DechunkedInput):
                environ["wsgi.input"] = BoundedDechunkedInput(self.rfile, limit)
            return environ

    class Server(ThreadedWSGIServer):
        request_queue_size = LISTEN_BACKLOG

    try:
        server = Server(host, port, gate, handler=RequestHandler)
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1

    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    gate.listening_on(server.server_port)
    router.start(host, server.server_port + 1)  # before the first request can create an API
    worker = threading.Thread(target=server.serve_forever, name="local-cloud", daemon=True)
    worker.start()
    scheduler.start()
    endpoint = endpoint_for(host, server.server_port)
    print(READY_LINE.format(endpoint=endpoint), flush=True)
    try:
        if on_ready is not None:
            on_ready(endpoint)
        while not stopping.wait(1.0):
            pass
    finally:
        scheduler.stop()
        server.shutdown()
        server.server_close()
        worker.join(timeout=5)
        router.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tether.localcloud.server",
        description="Run Tether's local cloud (an AWS-compatible endpoint) in the foreground.",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"one of {', '.join(ALLOWED_HOSTS)} (default 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"default {DEFAULT_PORT}; 0 picks a free port",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    return serve(args.host, args.port, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
