"""The local cloud's HTTP router: every HTTP API gets its own port on the server's host.

URL scheme: an HTTP API created in the local cloud listens on `http://127.0.0.1:<port>` (the
server's host), and that URL is its `ApiEndpoint` (so `Fn::GetAtt Api.ApiEndpoint`, the stack
output and the `<NAME>_URL` variable carry it). Ports are taken in order from the cloud's port
+ 1 (4600, 4601... next to the default 4599), skipping busy ones, so redeploying a project to a
fresh local cloud usually gives the same URLs; a free ephemeral port is the last resort. An API
restored from the local cloud's saved state (`persistence`) listens on the port it had. A port
per API keeps URLs clean: the path the client sends is the path the function sees, with no
prefix to strip, and it works with every HTTP client (unlike `*.localhost` host names, which
Python and many tools do not resolve).

A request goes to the API's stage (`/<stage>/...` for a named stage, else `$default`; no stage
at all answers 404), then to a route (`router_match`), then to the route's AWS_PROXY
integration with payload format 2.0: the function is invoked through moto's lambda backend
(`lambda_invoke`) with the event of `router_event`, and its result mapped by
`router_response`. API Gateway's own answers: 404 `{"message":"Not Found"}` (no route,
deleted API), 403 (execute-api endpoint disabled), 413 (body over 10 MB), 500 (function error,
unreadable result, a route without a Lambda integration), 503 (the integration timed out:
`TimeoutInMillis`, 30 s by default); for a request it cannot read, a JSON message too: 400,
408 (not arrived whole within 30 s), 413 (a body, chunked or not, over the limit), 414 and 431
(request line, header lines too long), 501 (unknown method); `router_request` reads requests.

Requests are served on threads, one per connection (reused from one connection to the next,
`router_threads`); listeners bind the loopback host only and keep a listen backlog of
`socket.SOMAXCONN`, so hundreds of clients connecting at once are queued by the kernel rather
than refused or left to retry their SYNs. An answer goes out in one send, on a socket with
TCP_NODELAY: a kept-alive connection gets each answer at once, not after the client's delayed
ACK (about 40 ms). An invocation the router stops waiting for is cancelled
(`tether.runtime.cancel`): at the integration timeout, or as soon as the client hangs up (end
of input on its connection while the function runs; a client that half-closes its connection
after sending the request is taken for gone too), the function's worker is killed as at a
Lambda timeout, so the next request finds a free one.

`start()` (the server calls it) enables the router; the `http_router` extension calls
`open_api`/`close_api` when APIs are created and deleted. Without a started router (moto used
in-process) APIs keep moto's `https://<id>.execute-api...` endpoint.
"""

from __future__ import annotations

import io
import logging
import select
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tether.localcloud.endpoint import LOOPBACK_HOST_NAMES, endpoint_for
from tether.localcloud.http import router_request
from tether.localcloud.http.router_event import HttpRequest, Target, build_event, new_request_id
from tether.localcloud.http.router_match import select_route
from tether.localcloud.http.router_request import (
    BadRequest,
    BodyTooLarge,
    RequestInput,
    RequestTimeout,
    read_body,
)
from tether.localcloud.http.router_response import (
    BAD_REQUEST,
    FORBIDDEN,
    INTERNAL_ERROR,
    NOT_FOUND,
    REQUEST_TIMEOUT,
    SERVICE_UNAVAILABLE,
    TOO_LARGE,
    HttpResponse,
    MalformedResponse,
    from_lambda,
    message,
)
from tether.localcloud.http.router_threads import ReusedThreads
from tether.localcloud.lambda_.lambda_invoke import (
    FunctionNotFound,
    Invocation,
    function_arn,
    invoke,
)
from tether.runtime.cancel import Cancellation

PORT_RANGE = 100  # ports tried after the first one before falling back to an ephemeral port
DEFAULT_TIMEOUT_MS = 30_000
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
LISTEN_BACKLOG = socket.SOMAXCONN  # the kernel caps it (net.core.somaxconn)
WATCH_EVERY = 0.1  # seconds between two looks at the client while its function runs
CANCEL_GRACE = 1.0  # how long a cancelled invocation may take to give its worker back (a
# worker still starting is let finish, and the 503 does not wait for it)
LINGER_SECONDS = 1.0  # after a refusal, how long unread input is drained before closing
LINGER_BYTES = 16 * 1024 * 1024
PIECE = 1 << 16

ClientGone = Callable[[], bool]

log = logging.getLogger(__name__)

# Every listener's connections and invocations run on these (process-wide, as threads are).
_THREADS = ReusedThreads("http-api")


@dataclass(frozen=True)
class ApiRef:
    account: str
    region: str
    api_id: str


class _ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], api: ApiRef, family: int) -> None:
        self.address_family = family
        self.api = api
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer's own looks the host name up (getfqdn), which can stall on a slow resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection on a reused thread (ThreadingMixIn starts a new one)."""
        _THREADS.run(lambda: self.process_request_thread(request, client_address))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle keep-alive connection gives its thread back after this
    # TCP_NODELAY: a small answer goes out at once, not after the client's delayed ACK of the
    # previous one (up to 40 ms on a kept-alive connection); answers are written in one send.
    disable_nagle_algorithm = True
    server: _ApiServer
    rfile: RequestInput

    def version_string(self) -> str:
        return "tether-local-cloud"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def setup(self) -> None:
        super().setup()
        raw = self.rfile
        assert isinstance(raw, io.BufferedReader)
        self.rfile = RequestInput(
            raw,
            self.connection,
            idle_timeout=self.timeout,
            request_timeout=router_request.REQUEST_TIMEOUT,
        )

    def parse_request(self) -> bool:
        try:
            return super().parse_request()
        except RequestTimeout:  # the headers did not come in time
            self._refuse(REQUEST_TIMEOUT)
            return False

    def handle_expect_100(self) -> bool:
        """No `100 Continue` for a body that would be refused anyway."""
        try:
            router_request.is_chunked(self.headers)
            router_request.declared_length(self.headers)
        except BodyTooLarge:
            self._refuse(TOO_LARGE)
            return False
        except BadRequest:
            self._refuse(BAD_REQUEST)
            return False
        return super().handle_expect_100()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's refusals (request line or headers too long, unreadable), as
        API Gateway words its own: a JSON message."""
        log.debug("refused with %d: %s %s", code, message or "", explain or "")
        answer = TOO_LARGE if code == 413 else _message(code)
        self._refuse(answer)

    def _for_this_api(self) -> bool:
        """Host must name this port on a loopback address: a web page that reached the port by
        DNS rebinding sends its own host name, and must not read the local API's answers."""
        name, _, port = str(self.headers.get("Host", "")).strip().lower().rpartition(":")
        if not name or not port.isdigit():  # no port given: the whole value is the name
            name, port = str(self.headers.get("Host", "")).strip().lower(), ""
        own = str(self.server.server_address[1])
        return name in LOOPBACK_HOST_NAMES and port in ("", own)

    def _refuse(self, response: HttpResponse) -> None:
        """Answer and close: what is left of the request cannot be trusted."""
        self.close_connection = True
        if not str(self.request_version).startswith("HTTP/1."):
            self.request_version = "HTTP/1.1"  # unreadable, not HTTP/0.9: answer with a status line
        self._send(response, new_request_id())
        self._linger()

    def _linger(self) -> None:
        """Read what the client still sends, for a moment, before the connection closes:
        closing with unread input resets it, and the client may lose the answer."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            drained = 0
            while drained < LINGER_BYTES:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.connection.settimeout(remaining)
                data = self.connection.recv(PIECE)
                if not data:
                    break
                drained += len(data)
        except OSError:  # gone, reset or timed out: nothing more to do
            pass

    def _serve(self) -> None:
        request_id = new_request_id()
        if not self._for_this_api():
            self._refuse(FORBIDDEN)
            return
        try:
            body = read_body(self.headers, self.rfile)
        except BodyTooLarge:
            self._refuse(TOO_LARGE)
            return
        except RequestTimeout:
            self._refuse(REQUEST_TIMEOUT)
            return
        except (BadRequest, OSError) as exc:  # OSError: the client went away mid-body
            log.debug("unreadable request body: %s", exc)
            self._refuse(BAD_REQUEST)
            return
        self.rfile.finish()
        raw_path, _, raw_query = self.path.partition("?")
        if not raw_path.startswith("/"):  # an absolute-form target: keep its path
            raw_path = "/" + raw_path.split("://", 1)[-1].partition("/")[2]
        client = self.client_address[0]
        headers = (
            *self.headers.items(),
            ("x-forwarded-for", client),
            ("x-forwarded-port", str(self.server.server_address[1])),
            ("x-forwarded-proto", "http"),
        )
        request = HttpRequest(
            method=self.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            source_ip=client,
            protocol=self.request_version,
        )
        started = time.monotonic()
        gone = _ClientWatch(self.connection)
        try:
            response = handle(self.server.api, request, request_id, gone=gone)
        except Exception:  # a bug here or in moto: the client still gets API Gateway's 500
            log.exception("%s %s", self.command, raw_path)
            response = INTERNAL_ERROR
        log.info(
            "%s %s -> %d (%s, %.0f ms)",
            self.command,
            raw_path,
            response.status,
            self.server.api.api_id,
            (time.monotonic() - started) * 1000,
        )
        if gone.seen:
            self.close_connection = True  # nobody to answer
            return
        self._send(response, request_id)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _send(self, response: HttpResponse, request_id: str) -> None:
        """Write the answer, status line to body, in one send."""
        self.rfile.finish()  # the answer is written under the idle timeout, not what is left
        buffer = io.BytesIO()
        connection, self.wfile = self.wfile, buffer  # send_header and friends write here
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("apigw-requestid", request_id)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                buffer.write(response.body)
            answer = buffer.getvalue()
        finally:
            self.wfile = connection
        try:
            self.wfile.write(answer)
        except OSError as exc:  # the client is gone: nothing to tell it
            log.debug("could not answer %s: %s", self.address_string(), exc)
            self.close_connection = True


def _message(status: int) -> HttpResponse:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return message(status, phrase)


class _ClientWatch:
    """Whether the client hung up: end of input (or an error) on its connection.

    A request pipelined behind this one is input too, not a hang-up; the standard library's
    buffer may hold some of it already, which is fine: only the socket's end of input counts.
    """

    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection
        self.seen = False

    def __call__(self) -> bool:
        if self.seen:
            return True
        try:
            events = _poll(self._connection.fileno())
        except (OSError, ValueError):
            events = select.POLLERR
        if not events:
            return False
        if events & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
            self.seen = True
            return True
        try:
            data = self._connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            data = b""
        self.seen = not data
        return self.seen


def _poll(fd: int) -> int:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return sum(event for _, event in poller.poll(0))


def handle(
    api_ref: ApiRef, request: HttpRequest, request_id: str, *, gone: ClientGone | None = None
) -> HttpResponse:
    """Route one request of the API to its integration and map the answer; `gone` tells
    whether the client hung up (its invocation is then cancelled)."""
    from moto.apigatewayv2.models import apigatewayv2_backends

    api = apigatewayv2_backends[api_ref.account][api_ref.region].apis.get(api_ref.api_id)
    if api is None:
        return NOT_FOUND
    if api.disable_execute_api_endpoint:
        return FORBIDDEN
    stages = dict(api.stages)
    stage_name, path = _stage(stages, request.raw_path)
    if stage_name is None:
        return NOT_FOUND
    routes = [(route.route_key, route) for route in list(api.routes.values())]
    found = select_route(routes, request.method, path)
    if found is None:
        return NOT_FOUND
    integration = _integration(api, found.value)
    if integration is None:
        return INTERNAL_ERROR
    stage_variables = getattr(stages[stage_name], "stage_variables", None) or {}
    target = Target(
        api_id=api.api_id,
        account_id=api_ref.account,
        route_key=found.route_key,
        stage=stage_name,
        path_parameters=found.path_parameters,
        stage_variables={str(k): str(v) for k, v in dict(stage_variables).items()},
    )
    event = build_event(request, target, request_id=request_id)
    timeout = (integration.timeout_in_millis or DEFAULT_TIMEOUT_MS) / 1000
    arn = function_arn(str(integration.integration_uri))
    outcome = _invoke_with_timeout(arn, event, timeout, api_ref.region, gone=gone)
    if isinstance(outcome, Cancellation):
        log.warning("%s: %s cancelled: %s", found.route_key, arn, outcome.reason)
        return SERVICE_UNAVAILABLE
    if isinstance(outcome, Exception):
        log.warning("%s: invoking %s failed: %s", found.route_key, arn, outcome)
        return INTERNAL_ERROR
    try:
        return from_lambda(outcome.payload, outcome.function_error)
    except MalformedResponse as exc:
        detail = outcome.payload[:500].decode("utf-8", errors="replace")
        log.warning("%s: %s: %s", found.route_key, exc, detail)
        return INTERNAL_ERROR


def _stage(stages: dict[str, Any], raw_path: str) -> tuple[str | None, str]:
    """The stage a path goes to and the path within it."""
    first, _, rest = raw_path[1:].partition("/")
    if first and first != "$default" and first in stages:
        return first, "/" + rest
    if "$default" in stages:
        return "$default", raw_path
    return None, raw_path


def _integration(api: Any, route: Any) -> Any:
    """The route's Lambda proxy integration (payload 2.0), or None (logged)."""
    target = str(route.target or "")
    integration = api.integrations.get(target.partition("integrations/")[2] or target)
    if integration is None:
        log.warning("route %r of API %s has no integration", route.route_key, api.api_id)
        return None
    uri = str(integration.integration_uri or "")
    if integration.integration_type != "AWS_PROXY" or ":lambda:" not in uri:
        log.warning(
            "route %r: the local cloud runs only Lambda proxy integrations, not %s %s",
            route.route_key,
            integration.integration_type,
            uri,
        )
        return None
    if str(integration.payload_format_version or "2.0") != "2.0":
        log.warning(
            "route %r: the local cloud supports payload format 2.0 only, not %s",
            route.route_key,
            integration.payload_format_version,
        )
        return None
    return integration


def _invoke_with_timeout(
    arn: str,
    event: dict[str, Any],
    timeout: float,
    region: str,
    *,
    gone: ClientGone | None = None,
) -> Invocation | Exception | Cancellation:
    """The invocation, the exception it raised, or its Cancellation if the router gave up on
    it: it took longer than `timeout` or the client hung up (`gone`). A cancelled invocation
    is given `CANCEL_GRACE` seconds to stop, so its worker is free before the 503 goes out."""
    cancellation = Cancellation.after(
        timeout, reason=f"the HTTP API's integration timed out after {timeout:.2f} seconds"
    )
    outcome: list[Invocation | Exception] = []
    done = threading.Event()

    def run() -> None:
        try:
            where = None if ":" in arn else region
            outcome.append(invoke(arn, event, region=where, cancellation=cancellation))
        except FunctionNotFound as exc:
            outcome.append(exc)
        except Exception as exc:  # a failure inside moto or the runtime: the client gets a 500
            log.exception("invoking %s", arn)
            outcome.append(exc)
        finally:
            done.set()

    _THREADS.run(run)
    while not done.wait(min(WATCH_EVERY, cancellation.wait())):
        if cancellation.stopped():
            break
        if gone is not None and gone():
            cancellation.cancel("the HTTP client disconnected")
            break
    if cancellation.cancelled:
        done.wait(CANCEL_GRACE)
        return cancellation
    return outcome[0]


# ---------------------------------------------------------------------------------------------
# Listeners


class Router:
    """The listeners of every HTTP API, one port each."""

    def __init__(self, host: str, first_port: int) -> None:
        self.host = host
        self.first_port = first_port
        self._servers: dict[ApiRef, _ApiServer] = {}
        self._lock = threading.Lock()

    def open(self, api: ApiRef, *, port: int | None = None) -> str:
        """Start serving `api` (on `port` if it is free: the one it had before a restart of the
        local cloud); its endpoint URL."""
        with self._lock:
            server = self._servers.get(api)
            if server is None:
                server = self._bind(api, port)
                self._servers[api] = server
                threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.2},
                    name=f"http-api-{api.api_id}",
                    daemon=True,
                ).start()
            return endpoint_for(self.host, server.server_address[1])

    def close(self, api: ApiRef, *, wait: bool = False) -> None:
        with self._lock:
            server = self._servers.pop(api, None)
        if server is None:
            return
        if wait:
            _shut(server)
        else:
            threading.Thread(target=_shut, args=(server,), daemon=True).start()

    def close_all(self) -> None:
        with self._lock:
            servers = list(self._servers.values())
            self._servers.clear()
        for server in servers:
            _shut(server)

    def _bind(self, api: ApiRef, preferred: int | None = None) -> _ApiServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        taken = {server.server_address[1] for server in self._servers.values()}
        candidates = [
            port
            for port in range(self.first_port, self.first_port + PORT_RANGE)
            if 0 < port < 65536 and port not in taken and port != preferred
        ]
        if preferred is not None and 0 < preferred < 65536 and preferred not in taken:
            candidates.insert(0, preferred)
        for port in [*candidates, 0]:
            try:
                return _ApiServer((self.host, port), api, family)
            except OSError:
                continue
        raise OSError(f"no free port for HTTP API {api.api_id}")


def _shut(server: _ApiServer) -> None:
    server.shutdown()
    server.server_close()


_ROUTER: Router | None = None
_ROUTER_LOCK = threading.Lock()


def start(host: str, first_port: int) -> Router:
    """Enable the router: APIs created from now on get a listener."""
    global _ROUTER
    with _ROUTER_LOCK:
        if _ROUTER is None:
            _ROUTER = Router(host, first_port)
        return _ROUTER


def stop() -> None:
    """Close every listener and disable the router."""
    global _ROUTER
    with _ROUTER_LOCK:
        router, _ROUTER = _ROUTER, None
    if router is not None:
        router.close_all()


def open_api(account: str, region: str, api_id: str, *, port: int | None = None) -> str | None:
    """The local endpoint of a new API (on `port` if free), or None when the router is not
    running."""
    router = _ROUTER
    if router is None:
        return None
    try:
        return router.open(ApiRef(account, region, api_id), port=port)
    except OSError as exc:
        log.warning("HTTP API %s gets no local endpoint: %s", api_id, exc)
        return None


def close_api(account: str, region: str, api_id: str) -> None:
    router = _ROUTER
    if router is not None:
        router.close(ApiRef(account, region, api_id))
