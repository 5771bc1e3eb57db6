"""The HTTP response an HTTP API makes of a Lambda result (payload format 2.0).

As API Gateway does: a JSON object with `statusCode` is a response (`headers`, `cookies` as
Set-Cookie headers, `body`, base64-decoded when `isBase64Encoded`); any other JSON value is
the body of a 200 with `content-type: application/json`. A function error, or a response
API Gateway cannot read (statusCode not a number, body not a string, bad base64), gives
500 `{"message":"Internal Server Error"}`; `MalformedResponse` says why, for the log.
`multiValueHeaders` belongs to format 1.0 and is ignored, as API Gateway ignores it in 2.0.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


class MalformedResponse(ValueError):
    """The function returned something API Gateway would not accept."""


def message(status: int, text: str) -> HttpResponse:
    """API Gateway's own answers: `{"message":"Not Found"}` and friends."""
    body = json.dumps({"message": text}, separators=(",", ":")).encode()
    return HttpResponse(status, (("content-type", "application/json"),), body)


BAD_REQUEST = message(400, "Bad Request")
NOT_FOUND = message(404, "Not Found")
FORBIDDEN = message(403, "Forbidden")
REQUEST_TIMEOUT = message(408, "Request Timeout")
TOO_LARGE = message(413, "Request Entity Too Large")
INTERNAL_ERROR = message(500, "Internal Server Error")
SERVICE_UNAVAILABLE = message(503, "Service Unavailable")


def from_lambda(payload: bytes, function_error: str | None = None) -> HttpResponse:
    """Map what the function returned; raises MalformedResponse (answer INTERNAL_ERROR)."""
    if function_error:
        raise MalformedResponse(f"the function failed ({function_error})")
    text = payload.decode("utf-8", errors="replace")
    try:
        result = json.loads(text)
    except ValueError as exc:
        raise MalformedResponse("the function's result is not JSON") from exc
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpResponse(200, (("content-type", "application/json"),), payload)
    return _structured(result)


def _structured(result: dict[str, Any]) -> HttpResponse:
    status = _status(result["statusCode"])
    headers: list[tuple[str, str]] = []
    raw_headers = result.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise MalformedResponse("headers must be an object of names to values")
    for name, value in raw_headers.items():
        headers.append((_one_line(str(name)), _header_value(value)))
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse("cookies must be a list of strings")
    headers.extend(("set-cookie", _one_line(str(cookie))) for cookie in cookies)
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, not {type(body).__name__}")
    elif result.get("isBase64Encoded") is True:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedResponse("isBase64Encoded is true but body is not base64") from exc
    else:
        data = body.encode("utf-8")
    return HttpResponse(status, tuple(headers), data)


def _status(value: Any) -> int:
    if isinstance(value, bool):
        raise MalformedResponse("statusCode must be a number")
    if isinstance(value, int):
        status = value
    elif isinstance(value, str) and value.strip().isdigit():
        status = int(value)
    else:
        raise MalformedResponse(f"statusCode must be a number, not {value!r}")
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    return status


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_header_value(item) for item in value)
    return _one_line(str(value))


def _one_line(text: str) -> str:
    """No line breaks in a header: they would end it and start another."""
    return text.replace("\r", " ").replace("\n", " ")
