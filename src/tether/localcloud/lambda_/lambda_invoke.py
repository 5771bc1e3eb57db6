"""Invoke a function of the local cloud the way an AWS service does, through moto's lambda backend.

The HTTP router, the scheduler and EventBridge targets call `invoke`, which goes through
`LambdaBackend.invoke` and so `LambdaFunction._invoke_lambda`: whatever runs function code in
the local cloud (Tether's runtime) runs it for them too. Runs in the server process only.
A caller that may stop waiting (the HTTP router) passes a `Cancellation`: moto's backend is in
between, so it travels to the runtime in the thread's context (`tether.runtime.cancel.scope`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tether.runtime.cancel import Cancellation, scope

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

# arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations
_APIGATEWAY_URI = re.compile(
    r"^arn:[^:]+:apigateway:[^:]*:lambda:path/[^/]+/functions/(.+)/invocations$"
)


class FunctionNotFound(LookupError):
    """No function by that name or ARN in the local cloud."""


@dataclass(frozen=True)
class Invocation:
    """What an invoke returned: the payload bytes and Lambda's function-error flag, if any."""

    payload: bytes
    function_error: str | None

    def result(self) -> Any:
        """The payload as JSON (the text itself when it is not JSON)."""
        text = self.payload.decode("utf-8", errors="replace")
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text


def function_arn(uri: str) -> str:
    """A Lambda function ARN from an integration URI (plain ARN or API Gateway's long form)."""
    found = _APIGATEWAY_URI.match(uri)
    return found.group(1) if found else uri


def location(arn_or_name: str) -> tuple[str, str]:
    """(account, region) of a function ARN; the defaults for a bare name."""
    parts = arn_or_name.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda":
        return parts[4] or DEFAULT_ACCOUNT, parts[3] or DEFAULT_REGION
    return DEFAULT_ACCOUNT, DEFAULT_REGION


def invoke(
    arn_or_name: str,
    event: Any,
    *,
    asynchronous: bool = False,
    account: str | None = None,
    region: str | None = None,
    cancellation: Cancellation | None = None,
) -> Invocation:
    """Invoke the function with `event` (any JSON value); FunctionNotFound if it is missing.

    `asynchronous` is Lambda's `Event` invocation type (as EventBridge uses); it still runs
    in the calling thread: callers that must not wait run it in a thread of their own, and
    `cancellation` lets them give up on a synchronous one (its worker is stopped).
    """
    from moto.awslambda.exceptions import UnknownFunctionException
    from moto.awslambda.utils import get_backend

    found_account, found_region = location(arn_or_name)
    backend = get_backend(account or found_account, region or found_region)
    headers = {"x-amz-invocation-type": "Event" if asynchronous else "RequestResponse"}
    response_headers: dict[str, str] = {}
    try:
        with scope(cancellation):
            payload = backend.invoke(
                arn_or_name, None, json.dumps(event), headers, response_headers
            )
    except UnknownFunctionException as exc:
        raise FunctionNotFound(f"function {arn_or_name} not found") from exc
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return Invocation(bytes(payload or b""), response_headers.get("x-amz-function-error"))
