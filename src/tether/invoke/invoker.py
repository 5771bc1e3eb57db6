"""Invoke a deployed function synchronously and return its result and its log lines."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from tether.invoke.payload import encode
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
    try:
        result = json.loads(payload) if payload else None
    except ValueError:
        result = payload.decode(errors="replace")
    logs = base64.b64decode(response.get("LogResult", "") or b"").decode(errors="replace")
    return Invocation(function, result, response.get("FunctionError"), logs, elapsed)
