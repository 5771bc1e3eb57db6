"""Who may talk to the IDE: the per-run token, and Host and Origin checks on every request.

The IDE serves the user's files and can deploy them, on a port any web page could guess. So,
as Jupyter does, each run has a random token, printed in the URL `tether ide` opens: the first
visit (`GET /?token=T`) trades it for an HttpOnly, SameSite=Strict cookie and is redirected to
`/`, so the token leaves the address bar; scripts send it as the `X-Tether-Token` header.
Without it a request gets 403. The Host header must name the loopback address and the port
(a DNS-rebinding page sends its own host name), and a request with an Origin header must come
from the IDE's own origin (another page's fetch or WebSocket sends its origin). No CORS header
is ever sent, so no other origin can read a response. The same checks run on the WebSocket
upgrade. This is an ASGI middleware around the whole app: no route can forget it.
"""

from __future__ import annotations

import json
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_HEADER = "x-tether-token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")

# Only the IDE's own scripts, styles and connections; never framed (clickjacking).
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
        b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def cookie_name(port: int) -> str:
    """Per port: cookies ignore ports, and two IDEs open at once must not log each other out."""
    return f"tether_ide_{port}"


class Guard:
    """ASGI middleware: token, Host and Origin checks, then the app."""

    def __init__(self, app: ASGIApp, *, token: str, port: int) -> None:
        self.app = app
        self.token = token
        self.port = port
        self.hosts = frozenset(f"{host}:{port}" for host in LOOPBACK_HOSTS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        refused = self.refusal(scope, headers)
        if refused is not None:
            await _forbid(scope, send, refused)
            return
        if scope["type"] == "http" and self._login(scope):
            await _redirect_home(send, self.token, self.port)
            return
        if not self._has_token(headers):
            await _forbid(
                scope,
                send,
                "this request has no valid token",
                "open the URL `tether ide` printed (it carries the token), or send X-Tether-Token",
            )
            return
        await self.app(scope, receive, _with_headers(send) if scope["type"] == "http" else send)

    def refusal(self, scope: Scope, headers: dict[str, str]) -> str | None:
        host = headers.get("host", "").lower()
        if host not in self.hosts:
            return f"Host {host or '(none)'} is not this IDE's address"
        origin = headers.get("origin")
        if origin is not None and origin.lower() != f"http://{host}":
            return f"requests from {origin} may not use the IDE"
        return None

    def _login(self, scope: Scope) -> bool:
        if scope["path"] != "/" or scope.get("method") != "GET":
            return False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [""])[0]
        return bool(given) and secrets.compare_digest(given, self.token)

    def _has_token(self, headers: dict[str, str]) -> bool:
        given = headers.get(TOKEN_HEADER)
        if given is None and "cookie" in headers:
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(headers["cookie"])
            except Exception:  # a malformed cookie header is just no token
                return False
            morsel = cookie.get(cookie_name(self.port))
            given = morsel.value if morsel is not None else None
        return given is not None and secrets.compare_digest(given, self.token)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
        await send(message)

    return sending


async def _forbid(scope: Scope, send: Send, message: str, hint: str = "") -> None:
    if scope["type"] == "websocket":
        # Closing before accepting makes the server answer the upgrade with 403.
        await send({"type": "websocket.close", "code": 1008, "reason": "forbidden"})
        return
    body: dict[str, Any] = {"error": "forbidden", "message": message}
    if hint:
        body["hint"] = hint
    await _send(send, 403, json.dumps(body).encode(), [(b"content-type", b"application/json")])


async def _redirect_home(send: Send, token: str, port: int) -> None:
    cookie = f"{cookie_name(port)}={token}; HttpOnly; SameSite=Strict; Path=/"
    await _send(send, 303, b"", [(b"location", b"/"), (b"set-cookie", cookie.encode())])


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
