"""The local cloud's server: moto's server mode with Tether's extensions, on loopback only.

    python -m tether.localcloud.server --host 127.0.0.1 --port 4599

Installs the extensions (`extensions.install_all`), loads the state saved by the previous run (`persistence`: all or
nothing; a snapshot from another version or a damaged one is refused with a message on stderr
and exit status 3), serves every AWS API moto knows on one threaded werkzeug server (moto's
DomainDispatcherApplication picks the service per request), prints one line
`tether local cloud listening on http://127.0.0.1:N (state in $TETHER_HOME/local/state)` once
the socket listens, saves the state every few seconds while requests change it, and on SIGTERM
or SIGINT stops serving, saves it a last time and exits with status 0. A crash loses at most
the last interval. It also answers `GET /_tether/health`
so `tether.localcloud.process` can tell this server from another program on the port, and
`/_tether/schedules` (`scheduler_http`). With it run the HTTP router (`router`: each HTTP API
on its own port, from N + 1) and the scheduler (`scheduler`: schedule rules fire on time).

Every request passes the `gate` first: loopback `Host` with this server's port, no foreign
`Origin`, no CORS, a body of at most 1 GiB, and a signature made with the credentials of this
TETHER_HOME (`credentials`; only the health check is open). It listens on loopback only, with
a listen backlog sized for bursts of concurrent clients (`LISTEN_BACKLOG`), TCP_NODELAY on each
connection, and each request (werkzeug closes the connection after one) on a reused thread.

This module imports moto only when the server runs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any
from urllib.parse import parse_qs

from tether.localcloud.endpoint import (
    ALLOWED_HOSTS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    HEALTH_PATH,
    SERVICE,
    endpoint_for,
)

READY_LINE = "tether local cloud listening on {endpoint} (state in {state})"
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ACTIONS = ("Describe", "Get", "List")  # query and JSON protocols: actions that only read
FORM = "application/x-www-form-urlencoded"
_ACTION = re.compile(rb"(?:^|&)Action=([^&]*)")
INVOCATIONS = "/invocations"  # Lambda's Invoke: POST /2015-03-31/functions/NAME/invocations
LONG_POLL = ".ReceiveMessage"  # SQS (JSON protocol: X-Amz-Target: AmazonSQS.ReceiveMessage)
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


def counting_changes(
    app: WsgiApp, changing: Callable[[], contextlib.AbstractContextManager[None]]
) -> WsgiApp:
    """Run every request that may change something (not GET, HEAD, OPTIONS, nor a POST of the
    query or JSON protocols whose action only reads: `reads_only`) inside `changing()`: the
    snapshotter saves the state only when their count moved, and waits for those under way.
    Lambda invocations are only counted: a function may run for minutes, and its own calls to
    the cloud are requests of their own; nor do SQS long polls (20 s)."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET") in READ_ONLY_METHODS or reads_only(environ):
            return app(environ, start_response)
        if str(environ.get("PATH_INFO", "")).endswith(INVOCATIONS) or str(
            environ.get("HTTP_X_AMZ_TARGET", "")
        ).endswith(LONG_POLL):
            with changing():
                pass
            return app(environ, start_response)
        with changing():
            return app(environ, start_response)

    return application


def reads_only(environ: dict[str, Any]) -> bool:
    """Whether a request of the query or JSON protocols (a POST, all of them) names an action
    that only reads (Describe*, Get*, List*: a deploy that changes nothing sends only those
    to CloudFormation), by its X-Amz-Target or its form's Action (the gate read the body)."""
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    action = target.rpartition(".")[2] if target else _form_action(environ)
    return action.startswith(READ_ACTIONS)


def _form_action(environ: dict[str, Any]) -> str:
    found = parse_qs(str(environ.get("QUERY_STRING") or "")).get("Action")
    if found:
        return found[0]
    stream = environ.get("wsgi.input")
    if not str(environ.get("CONTENT_TYPE") or "").startswith(FORM) or not isinstance(
        stream, io.BytesIO
    ):
        return ""
    found_in_body = _ACTION.search(stream.getvalue())
    return found_in_body.group(1).decode("latin-1") if found_in_body else ""


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

    from tether.localcloud import persistence
    from tether.localcloud.credentials import Keyring, home_credentials
    from tether.localcloud.dispatch import SignedServiceDispatcher
    from tether.localcloud.extensions import install_all
    from tether.localcloud.gate import BoundedDechunkedInput, Gate, max_body
    from tether.localcloud.home import state_dir, tether_home
    from tether.localcloud.http import router
    from tether.localcloud.http.router_threads import ReusedThreads
    from tether.localcloud.lambda_ import lambda_code_sweep
    from tether.localcloud.origins import AllowedOrigins
    from tether.localcloud.scheduler import scheduler
    from tether.localcloud.scheduler.scheduler_http import with_schedules

    install_all()
    # One line per request is noise in cloud.log; keep warnings and errors.
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    _log_to_stderr("tether.localcloud", logging.INFO if verbose else logging.WARNING)
    home = tether_home()
    try:
        loaded = persistence.load(home)
    except persistence.StateRefused as exc:
        print(exc.format(), file=sys.stderr, flush=True)
        return persistence.EXIT_REFUSED
    settled = persistence.install(loaded) if loaded is not None else []
    cleaned = persistence.clean_unpacked(home)
    snapshots = persistence.Snapshotter(home, restored=loaded is not None)
    lambda_code_sweep.snapshots_from(persistence.saved_at)
    limit = max_body()
    gate = Gate(
        counting_changes(
            with_health(with_schedules(SignedServiceDispatcher(create_backend_app))),
            snapshots.changing,
        ),
        keyring=Keyring(home_credentials(home)),
        origins=AllowedOrigins(home),
        limit=limit,
    )

    class RequestHandler(MotoRequestHandler):
        disable_nagle_algorithm = True  # TCP_NODELAY: werkzeug sends headers and body apart

        def make_environ(self) -> dict[str, Any]:
            environ: dict[str, Any] = super().make_environ()
            if isinstance(environ.get("wsgi.input"), DechunkedInput):
                environ["wsgi.input"] = BoundedDechunkedInput(self.rfile, limit)
            return environ

    connections = ReusedThreads("local-cloud-request")

    class Server(ThreadedWSGIServer):
        request_queue_size = LISTEN_BACKLOG

        def process_request(self, request: Any, client_address: Any) -> None:
            # werkzeug closes every connection after one answer: a thread per request, reused
            connections.run(lambda: self.process_request_thread(request, client_address))

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
    resumed = persistence.resume(loaded)  # restored APIs listen again, pollers poll again
    worker = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="local-cloud", daemon=True
    )
    worker.start()
    scheduler.start(resume=persistence.schedules(loaded))
    snapshots.start()
    endpoint = endpoint_for(host, server.server_port)
    if settled:
        print(f"stacks caught in an operation when the state was saved: {', '.join(settled)}")
    if loaded is not None:
        print(
            f"restored {loaded.header.describe()} in {loaded.seconds * 1000:.0f} ms "
            f"({resumed.get('HTTP APIs', 0)} HTTP APIs, {resumed.get('pollers', 0)} pollers; "
            f"{cleaned} unused unpacked code folders removed)",
            flush=True,
        )
    print(READY_LINE.format(endpoint=endpoint, state=state_dir(home)), flush=True)
    try:
        if on_ready is not None:
            on_ready(endpoint)
        stopping.wait()  # the signal handler wakes it (signals run in this, the main thread)
    finally:
        scheduler.stop()
        server.shutdown()
        server.server_close()
        worker.join(timeout=5)
        router.stop()
        saved = snapshots.stop()  # a second Ctrl-C does not interrupt it (only SIGKILL would)
        if snapshots.error is not None:
            print(
                f"error: the local cloud's state could not be saved ({snapshots.error}); the "
                f"next start restores the last snapshot that was",
                file=sys.stderr,
                flush=True,
            )
        if saved is not None:
            print(
                f"state saved to {saved.path} in {saved.seconds * 1000:.0f} ms "
                f"({saved.header.describe()})",
                flush=True,
            )
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


def _exit_now(code: int) -> None:
    """Exit without tearing down the interpreter's thousands of moto objects and modules (about
    a second): the exit handlers run (the runtime kills its workers, logging flushes), the
    state is already saved and synced, and nothing else is left to write."""
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
