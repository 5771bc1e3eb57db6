"""Invoke a deployed function synchronously and return its result and its log lines.

Two ways, one answer: `invoke` goes through the stage's boto3 client (any target); `invoke_local`
calls the local cloud's Lambda Invoke API directly (signed by `tether.localcloud.client`), for
`tether invoke`, whose start-up would otherwise be mostly boto3's import. `invoke_local` gives
up (None) whenever the call did not run the function, so the caller can take the boto3 path,
which says why in the words of every other command.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tether.invoke.payload import encode

if TYPE_CHECKING:
    from tether.invoke.target import Deployed


@dataclass(frozen=True)
class Invocation:
    function: str
    result: Any  # the decoded JSON payload (Lambda's error object when the function failed)
    error: str | None  # Lambda's FunctionError ("Unhandled") or None
    logs: str
    milliseconds: float

    @property
    def failed(self) -> bool:
        return self.error is not None


def invoke(
    deployed: Deployed, function: str, event: Any, *, source: str | None = None
) -> Invocation:
    """Invoke synchronously; an event over Lambda's 6 MB payload limit is refused before it is
    sent (EventError naming `source`, where the event came from)."""
    name = deployed.function_name(function)
    request = encode(event, where=source, kind="RequestResponse")
    client = deployed.cloud.client("lambda")
    started = time.perf_counter()
    with deployed.cloud.guard():
        response = client.invoke(
            FunctionName=name,
            InvocationType="RequestResponse",
            LogType="Tail",
            Payload=request,
        )
        payload = response["Payload"].read()
    elapsed = (time.perf_counter() - started) * 1000
    return _invocation(
        function, payload, response.get("FunctionError"), response.get("LogResult"), elapsed
    )


def invoke_local(
    endpoint: str,
    *,
    function: str,
    name: str,
    region: str,
    event: Any,
    source: str | None = None,
) -> Invocation | None:
    """Invoke `name` (the deployed name of the project's `function`) on the local cloud at
    `endpoint`, as `invoke` does; None when the function did not run (not there, refused, no
    answer): nothing happened, and the boto3 path can try and explain."""
    from tether.localcloud.client import call

    request = encode(event, where=source, kind="RequestResponse")
    started = time.perf_counter()
    try:
        answer = call(
            endpoint,
            "POST",
            f"/2015-03-31/functions/{quote(name, safe='')}/invocations",
            body=request,
            headers={"X-Amz-Invocation-Type": "RequestResponse", "X-Amz-Log-Type": "Tail"},
            service="lambda",
            region=region,
        )
    except OSError:
        return None
    if answer.status != 200:
        return None
    elapsed = (time.perf_counter() - started) * 1000
    headers = answer.headers
    return _invocation(
        function,
        answer.body,
        headers.get("x-amz-function-error"),
        headers.get("x-amz-log-result"),
        elapsed,
    )


def _invocation(
    function: str, payload: bytes, error: str | None, log_result: str | None, elapsed: float
) -> Invocation:
    try:
        result = json.loads(payload) if payload else None
    except ValueError:
        result = payload.decode(errors="replace")
    logs = base64.b64decode(log_result or b"").decode(errors="replace")
    return Invocation(function, result, error, logs, elapsed)
