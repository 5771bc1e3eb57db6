"""Inject AWS errors into Tether's own cloud clients, at the HTTP level: the error response is
parsed by botocore and goes through its retries exactly as a real one would; every other call
still reaches the local cloud."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from tether.cloud import Cloud


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self.body


@dataclass
class Fault:
    code: str
    status: int
    times: int  # how many calls fail; -1: every call
    calls: int = 0
    seen: list[str] = field(default_factory=list)


def _response(protocol: str, fault: Fault, url: str) -> AWSResponse:
    message = f"injected {fault.code}"
    if protocol in {"rest-json", "json"}:
        body = json.dumps({"__type": fault.code, "message": message}).encode()
        headers = {"x-amzn-ErrorType": fault.code, "Content-Type": "application/json"}
    elif protocol == "rest-xml":
        body = f"<Error><Code>{fault.code}</Code><Message>{message}</Message></Error>".encode()
        headers = {"Content-Type": "application/xml"}
    else:  # query
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{fault.code}</Code><Message>{message}</Message></Error></ErrorResponse>"
        ).encode()
        headers = {"Content-Type": "text/xml"}
    return AWSResponse(url, fault.status, headers, _Raw(body))


@contextlib.contextmanager
def inject(cloud: Cloud, service: str, operation: str, fault: Fault) -> Iterator[Fault]:
    """Make `operation` of `service` (e.g. "lambda", "Invoke") answer `fault`."""
    client = cloud.client(service)
    protocol = client.meta.service_model.protocol

    def before_send(request: Any, **kwargs: Any) -> AWSResponse | None:
        fault.calls += 1
        if fault.times >= 0 and fault.calls > fault.times:
            return None
        fault.seen.append(request.url)
        return _response(protocol, fault, request.url)

    event = f"before-send.{client.meta.service_model.endpoint_prefix}.{operation}"
    client.meta.events.register(event, before_send, unique_id=f"fault-{id(fault)}")
    try:
        yield fault
    finally:
        client.meta.events.unregister(event, unique_id=f"fault-{id(fault)}")
