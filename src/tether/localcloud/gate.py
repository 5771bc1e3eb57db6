"""The local cloud's gate: what a request must show before the server does anything with it.

A WSGI middleware in front of everything the server answers (moto's APIs, `/_tether/...`).
The local cloud runs code on the user's machine, so a web page in the user's browser (directly,
or by DNS rebinding) and other programs must not be able to drive it. In order:

1. `Host` must name the server as a loopback address with its own port (`127.0.0.1:N`,
   `localhost:N` or `[::1]:N`): a DNS-rebinding page sends its own host name.
2. A request with an `Origin` header comes from a web page: refused unless the origin is allowed
   (`origins`; none by default). CORS preflights (OPTIONS) are refused, and no response carries
   CORS headers (the `Access-Control-*` headers moto adds are removed).
3. A body larger than `max_body` (default 1 GiB, `TETHER_LOCAL_MAX_BODY` in bytes) gets 413
   without being read: by its Content-Length, or, for a chunked body, as soon as the chunk sizes
   announced pass the limit (`BoundedDechunkedInput`).
4. The request must be signed with credentials the local cloud issued (`signatures`,
   `credentials`), except `GET /_tether/health` (it tells `tether.localcloud.process` which
   server answers, and reveals only its pid).
5. A function's credentials reach AWS's APIs only: Tether's own endpoints (`/_tether/...`) and
   moto's (`/moto-api`, `/latest/`) answer only the home's. What a function may do with AWS's
   APIs is `authorize`'s to decide, behind the gate.

A refused request gets AWS's error for the failure in the shape its client parses (S3's XML,
the query protocol's XML, or JSON with `__type`), and nothing else happens. An accepted one
reaches the application with its body read and checked, and with its signer in
`environ["tether.principal"]` (a `credentials.Principal`).
"""

from __future__ import annotations

import io
import json
import os
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Literal
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY
from werkzeug.serving import DechunkedInput

from tether.localcloud import signatures
from tether.localcloud.credentials import Keyring
from tether.localcloud.endpoint import HEALTH_PATH, LOOPBACK_HOST_NAMES
from tether.localcloud.origins import AllowedOrigins

DEFAULT_MAX_BODY = 1 << 30  # 1 GiB: the local cloud keeps every object in memory
MAX_BODY_ENV = "TETHER_LOCAL_MAX_BODY"
PRINCIPAL = "tether.principal"
SIGNED_SERVICE = "tether.signed_service"  # (signing name, region) of the verified signature

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Protocol = Literal["s3", "json", "rest-json", "query"]
Failure = signatures.Failure | Literal["refused", "too_large"]


class BodyTooLarge(OSError):
    """The client announced (or sent) a body over the limit."""


class BoundedDechunkedInput(DechunkedInput):
    """werkzeug's reader of a `Transfer-Encoding: chunked` body, which stops at the first chunk
    size that takes the body over `limit`, before reading that chunk."""

    def __init__(self, rfile: Any, limit: int) -> None:
        super().__init__(rfile)
        self._limit = limit
        self._announced = 0

    def read_chunk_len(self) -> int:
        size: int = super().read_chunk_len()
        self._announced += size
        if self._announced > self._limit:
            raise BodyTooLarge(f"the chunked body is larger than {self._limit} bytes")
        return size


def max_body(environ: dict[str, str] | None = None) -> int:
    """The body limit in bytes (`TETHER_LOCAL_MAX_BODY`, default 1 GiB)."""
    value = (os.environ if environ is None else environ).get(MAX_BODY_ENV, "")
    try:
        limit = int(value)
    except ValueError:
        return DEFAULT_MAX_BODY
    return limit if limit > 0 else DEFAULT_MAX_BODY


class Gate:
    """The middleware: `Gate(app, keyring=..., origins=...)`, then `listening_on(port)` once
    the socket is bound (every request is refused before that)."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        keyring: Keyring,
        origins: AllowedOrigins,
        limit: int = DEFAULT_MAX_BODY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._keyring = keyring
        self._origins = origins
        self.limit = limit
        self._clock = clock
        self._hosts: frozenset[str] = frozenset()

    def listening_on(self, port: int) -> None:
        self._hosts = frozenset(f"{name}:{port}" for name in LOOPBACK_HOST_NAMES)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        host = str(environ.get("HTTP_HOST", "")).strip().lower()
        if host not in self._hosts:
            shown = host or "none"
            expected = " or ".join(sorted(self._hosts)) or "a loopback host"
            return self._refuse(
                environ,
                start_response,
                "refused",
                f"the local cloud answers only requests for {expected} (Host was {shown})",
            )
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and not self._origins.allows(str(origin)):
            return self._refuse(
                environ,
                start_response,
                "refused",
                f"the local cloud refuses requests from web pages (Origin {origin}): "
                "only the Tether IDE's origin is allowed",
            )
        if method == "OPTIONS":
            return self._refuse(
                environ, start_response, "refused", "the local cloud answers no CORS preflight"
            )
        if method in ("GET", "HEAD") and environ.get("PATH_INFO") == HEALTH_PATH:
            return self._pass(environ, start_response)

        chunked = isinstance(environ.get("wsgi.input"), DechunkedInput)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return self._refuse(environ, start_response, "malformed", "invalid Content-Length")
        if length > self.limit:
            return self._too_large(environ, start_response)

        incoming = _incoming(environ, self._clock())
        if unquote(incoming.path, errors="surrogateescape") != path_info(environ):
            # The signature must cover the path the server acts on, byte for byte.
            return self._refuse(environ, start_response, "malformed", "ambiguous request path")
        claim = signatures.identify(incoming, self._keyring)
        if isinstance(claim, signatures.Refusal):
            return self._refuse(
                environ, start_response, claim.failure, claim.message, claim.service
            )
        try:
            body = _read_body(environ, length, chunked=chunked, limit=self.limit)
        except BodyTooLarge:
            return self._too_large(environ, start_response)
        except (OSError, ValueError) as exc:
            return self._refuse(environ, start_response, "malformed", f"unreadable body: {exc}")
        refusal = signatures.verify(claim, incoming, body)
        if refusal is not None:
            return self._refuse(
                environ, start_response, refusal.failure, refusal.message, refusal.service
            )
        environ["wsgi.input"] = io.BytesIO(body)
        if chunked or "CONTENT_LENGTH" in environ:
            environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.pop("wsgi.input_terminated", None)
        if claim.principal.function_arn is not None and _private(environ):
            return self._refuse(
                environ,
                start_response,
                "refused",
                "the local cloud's own endpoints answer only its home's credentials, "
                "not a function's",
                claim.service,
            )
        environ[PRINCIPAL] = claim.principal
        # The server routes the request to the service that was signed for, nothing else.
        environ[SIGNED_SERVICE] = (claim.service, claim.region)
        return self._pass(environ, start_response)

    # -----------------------------------------------------------------------------------------

    def _pass(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Hand the request on; drop every CORS header from the answer."""

        def without_cors(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept, *rest)

        return self._app(environ, without_cors)

    def _too_large(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        message = (
            f"the request body is larger than the local cloud accepts ({self.limit} bytes; "
            f"{MAX_BODY_ENV} changes it)"
        )
        return self._refuse(environ, start_response, "too_large", message)

    def _refuse(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        failure: Failure,
        message: str,
        service: str | None = None,
    ) -> Iterable[bytes]:
        protocol = _protocol(environ, service)
        status, code = _error_code(failure, protocol)
        return error_response(environ, start_response, status, code, message, protocol)


def error_response(
    environ: dict[str, Any],
    start_response: StartResponse,
    status: int,
    code: str,
    message: str,
    protocol: Protocol,
    *,
    json_type: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Iterable[bytes]:
    """Answer with AWS's error `code` in the shape `protocol`'s clients parse: S3's XML, the
    query protocol's `ErrorResponse`, or JSON with `__type` (`json_type`, e.g.
    `com.amazon.coral.service#AccessDeniedException`, else `code`)."""
    request_id = str(uuid.uuid4())
    answer = [("x-amzn-RequestId", request_id), *headers]
    if protocol in ("json", "rest-json"):
        answer.append(("x-amzn-ErrorType", code))
        content_type = "application/x-amz-json-1.1"
        body = _json_error(json_type or code, message)
    elif protocol == "query":
        content_type = "text/xml"
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    else:
        content_type = "application/xml"
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
    data = b"" if environ.get("REQUEST_METHOD") == "HEAD" else body.encode()
    answer += [("Content-Type", content_type), ("Content-Length", str(len(data)))]
    start_response(f"{status} {_REASONS.get(status, 'Error')}", answer)
    return [data]


def protocol_of(environ: dict[str, Any], service: str | None) -> Protocol:
    """How the client of this request parses an error (its service's protocol)."""
    return _protocol(environ, service)


# ---------------------------------------------------------------------------------------------

_REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    413: "Request Entity Too Large",
    501: "Not Implemented",
}


def _incoming(environ: dict[str, Any], now: float) -> signatures.Incoming:
    preserved: dict[str, str] = environ.get(PRESERVED_HEADER_NAMES_ENVIRON_KEY) or {}
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = preserved.get(key) or key[5:].replace("_", "-")
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-")
        else:
            continue
        headers[name.lower()] = str(value)
    raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
    if not raw.startswith("/"):  # absolute form (`POST http://host/path`): its path and query
        parts = urlsplit(raw)
        raw = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    path, _, query = raw.partition("?")
    return signatures.Incoming(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=path or "/",
        query=query,
        headers=headers,
        now=now,
    )


def path_info(environ: dict[str, Any]) -> str:
    """PATH_INFO as text, the way werkzeug decoded the request line (latin-1 WSGI strings)."""
    value = str(environ.get("PATH_INFO", ""))
    try:
        return value.encode("latin-1").decode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return value


# Not AWS APIs: Tether's (`/_tether/schedules`...) and moto's own (reset, metadata).
PRIVATE_PATHS = ("/_tether/", "/moto-api", "/latest/")


def _private(environ: dict[str, Any]) -> bool:
    path = str(environ.get("PATH_INFO", ""))
    return path.startswith(PRIVATE_PATHS) or path == "/_tether"


def _read_body(environ: dict[str, Any], length: int, *, chunked: bool, limit: int) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if not chunked:
        data = stream.read(length) if length else b""
        if len(data) != length:
            raise ValueError(f"the body ended after {len(data)} of {length} bytes")
        return bytes(data)
    body = bytearray()
    while True:
        piece = stream.read(1 << 20)
        if not piece:
            return bytes(body)
        body += piece
        if len(body) > limit:
            raise BodyTooLarge(f"the body is larger than {limit} bytes")


def _protocol(environ: dict[str, Any], service: str | None) -> Protocol:
    """How the client will parse an error (its service's protocol, guessed from the request)."""
    content_type = str(environ.get("CONTENT_TYPE", ""))
    if environ.get("HTTP_X_AMZ_TARGET") or content_type.startswith("application/x-amz-json"):
        return "json"
    if service == "s3":
        return "s3"
    query = str(environ.get("QUERY_STRING", ""))
    if content_type.startswith("application/x-www-form-urlencoded") or "Action=" in query:
        return "query"
    return "rest-json" if service else "s3"


def _error_code(failure: Failure, protocol: Protocol) -> tuple[int, str]:
    s3, jsonish = protocol == "s3", protocol in ("json", "rest-json")
    if failure == "refused":
        return 403, "AccessDeniedException" if jsonish else "AccessDenied"
    if failure == "too_large":
        return 413, "EntityTooLarge" if s3 else "RequestEntityTooLarge"
    if failure == "missing":
        if s3:
            return 403, "AccessDenied"
        return 403, (
            "MissingAuthenticationTokenException" if jsonish else "MissingAuthenticationToken"
        )
    if failure == "unknown_key":
        if s3:
            return 403, "InvalidAccessKeyId"
        return 403, "UnrecognizedClientException" if jsonish else "InvalidClientTokenId"
    if failure == "expired":
        return 403, "AccessDenied" if s3 else "SignatureDoesNotMatch"
    if failure == "skewed":
        return 403, "RequestTimeTooSkewed" if s3 else "SignatureDoesNotMatch"
    if failure == "malformed":
        return 400, "AuthorizationHeaderMalformed" if s3 else "IncompleteSignature"
    if failure == "payload" and s3:
        return 400, "XAmzContentSHA256Mismatch"
    return 403, "SignatureDoesNotMatch"


def _json_error(code: str, message: str) -> str:
    return json.dumps({"__type": code, "message": message, "Message": message})
