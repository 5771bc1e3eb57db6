"""The event an HTTP API sends to a Lambda integration (payload format 2.0), from an HTTP request.

Shaped as API Gateway shapes it: header names lower case and repeated headers joined with
commas; the `cookie` header moved to `cookies`; repeated query parameters joined with commas;
`pathParameters`, `queryStringParameters`, `stageVariables`, `cookies` and `body` left out
when empty; a body that is not text (by its content type) base64-encoded.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

_TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/ecmascript",
    "application/xml",
    "application/x-javascript",
    "application/graphql",
    "application/ld+json",
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class HttpRequest:
    """What the router read from the client."""

    method: str
    raw_path: str
    raw_query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class Target:
    """Where the request went: the API, its stage and the chosen route."""

    api_id: str
    account_id: str
    route_key: str
    stage: str = "$default"
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)


def new_request_id() -> str:
    """An ID in API Gateway's style (`JKJaXmPLvHcESHA=`)."""
    return base64.b64encode(os.urandom(10)).decode("ascii")


def is_text(content_type: str | None) -> bool:
    """Whether API Gateway passes a body of this content type as text (else base64)."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
    )


def request_time(moment: float) -> str:
    """`12/Mar/2020:19:03:58 +0000`, whatever the locale."""
    t = time.gmtime(moment)
    month = _MONTHS[t.tm_mon - 1]
    return (
        f"{t.tm_mday:02d}/{month}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def joined_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-case names; values of a repeated header joined with commas, in order."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def query_parameters(raw_query: str) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def build_event(
    request: HttpRequest,
    target: Target,
    *,
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event for `request` routed to `target`."""
    moment = time.time() if now is None else now
    headers = joined_headers(request.headers)
    cookie_header = headers.pop("cookie", "")
    cookies = [c.strip() for c in cookie_header.replace(",", ";").split(";") if c.strip()]
    domain = headers.get("host", "")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": target.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = query_parameters(request.raw_query)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": target.account_id,
        "apiId": target.api_id,
        "domainName": domain,
        "domainPrefix": target.api_id,
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id or new_request_id(),
        "routeKey": target.route_key,
        "stage": target.stage,
        "time": request_time(moment),
        "timeEpoch": int(moment * 1000),
    }
    if target.path_parameters:
        event["pathParameters"] = dict(target.path_parameters)
    if target.stage_variables:
        event["stageVariables"] = dict(target.stage_variables)
    if request.body:
        if is_text(headers.get("content-type")):
            try:
                event["body"] = request.body.decode("utf-8")
                event["isBase64Encoded"] = False
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(request.body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event
