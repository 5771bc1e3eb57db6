"""The IDE's small HTTP client for HTTP functions: a request sent, by the server, to the
stage's own local URL of one of the project's HTTP APIs (the stack's output), never to any
other address. The browser cannot reach the local API itself (its Host and Origin checks refuse
other pages), and the IDE must not become a proxy to anything else (SSRF): the request's
target is chosen by naming an API or a function of the project, and only a path is taken from
the request; the URL must be on the loopback address.
"""

from __future__ import annotations

import base64
import http.client
import re
import time
from typing import Any
from urllib.parse import urlsplit

from tether.ide.errors import ApiError
from tether.ide.jobs import Where
from tether.model import HttpApi, HttpTrigger, Project

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_RESPONSE = 10 * 1024 * 1024
# hop-by-hop headers and those the IDE sets itself
_DROPPED = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
}
_PATH = re.compile(r"^/(?!/)[^\s\x00-\x1f\x7f#]*$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def api_of(project: Project, api: Any, function: Any) -> str:
    """The HTTP API the request goes to: named, or the function's, or the project's only one."""
    apis = [r.name for r in project.resources.values() if isinstance(r, HttpApi)]
    if api is not None:
        if not isinstance(api, str) or api not in apis:
            raise ApiError(
                404,
                "not_found",
                f"no HTTP API {api!r} in the project",
                hint=f"HTTP APIs: {', '.join(apis) or 'none'}",
            )
        return api
    if function is not None:
        found = project.functions.get(function) if isinstance(function, str) else None
        if found is None:
            raise ApiError(404, "not_found", f"no function {function!r}")
        routes = [t.resource for t in found.triggers if isinstance(t, HttpTrigger)]
        if not routes:
            raise ApiError(
                400, "invalid", f"function {function} has no HTTP route", hint="invoke it instead"
            )
        return routes[0]
    if len(apis) != 1:
        raise ApiError(400, "invalid", 'name the "api" or the "function" to send the request to')
    return apis[0]


def request_parts(body: Any) -> tuple[str, str, dict[str, str], bytes]:
    """Method, path, headers and body bytes of the request, checked."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "the request body must be a JSON object")
    method = str(body.get("method") or "GET").upper()
    if method not in METHODS:
        raise ApiError(400, "invalid", f"method {method} is not one of {', '.join(METHODS)}")
    path = body.get("path") or "/"
    if not isinstance(path, str) or len(path) > 8192 or not _PATH.match(path):
        raise ApiError(
            400,
            "invalid",
            f"{path!r} is not a path on the API",
            hint='give a path such as "/orders/42?full=1": the request always goes to the '
            "stage's own API URL, never to another address",
        )
    headers = body.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str)
        and isinstance(v, str)
        and _TOKEN.match(k)
        and "\n" not in v
        and "\r" not in v
        for k, v in headers.items()
    ):
        raise ApiError(400, "invalid", '"headers" must map header names to one-line values')
    sent = {k: v for k, v in headers.items() if k.lower() not in _DROPPED}
    content = body.get("body")
    if content is None:
        data = b""
    elif isinstance(content, str):
        data = content.encode("utf-8")
    else:
        raise ApiError(400, "invalid", '"body" must be text (or null)')
    return method, path, sent, data


def local_url(url: str) -> tuple[str, int, str]:
    """Host, port and base path of an API URL, refused unless it is on the loopback address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or host not in LOOPBACK:
        raise ApiError(
            400,
            "invalid",
            f"the stage's API URL {url} is not on this machine's local cloud",
            hint="the request tool sends only to local HTTP APIs (target local); use curl for AWS",
        )
    return host, parts.port or 80, parts.path.rstrip("/")


def send(project: Project, where: Where, body: Any, *, timeout: float) -> dict[str, Any]:
    from tether.invoke.target import deployed_stage

    method, path, headers, data = request_parts(body)
    api = api_of(project, body.get("api"), body.get("function"))
    deployed = deployed_stage(project, stage=where.stage, target=where.target)
    host, port, base = local_url(deployed.output(api, "Url"))
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request(method, base + path, body=data or None, headers=headers)
        response = connection.getresponse()
        raw = response.read(MAX_RESPONSE + 1)
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        status = response.status
    except TimeoutError:
        raise ApiError(504, "timeout", f"{api} did not answer within {timeout:.0f} s") from None
    except OSError as exc:
        raise ApiError(
            502, "cloud", f"cannot reach {api} at {host}:{port}: {exc}", hint="deploy the stage"
        ) from None
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    if len(raw) > MAX_RESPONSE:
        raise ApiError(502, "cloud", "the response is larger than 10 MB")
    try:
        text, encoded = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(raw).decode("ascii"), True
    return {
        "api": api,
        "url": f"http://{host}:{port}{base}{path}",
        "status": status,
        "headers": answer_headers,
        "body": text,
        "base64": encoded,
        "milliseconds": round(elapsed, 1),
    }
