"""An invocation's log as Lambda writes it to CloudWatch Logs, and where it is written.

Each worker writes to its own stream `YYYY/MM/DD/[$LATEST]<hex>` of `/aws/lambda/<function>`.
An invocation's events are what it printed, framed by Lambda's own lines:

    START RequestId: <id> Version: $LATEST
    ...what the handler printed and logged...
    END RequestId: <id>
    REPORT RequestId: <id>\\tDuration: 1.23 ms\\tBilled Duration: 2 ms\\tMemory Size: 128 MB\\tMax Memory Used: 40 MB

(a cold start adds `Init Duration`, a timeout or crash adds `Status`). As in Lambda, every
event's message ends with a newline; `LogType=Tail` returns the last 4 KB of their text.
The `LogSink` is supplied by the local cloud (moto's logs backend), keeping this module free
of moto.
"""

from __future__ import annotations

import base64
import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tether.runtime.spec import FunctionSpec

TAIL_BYTES = 4096

Event = tuple[int, str]  # (milliseconds since the epoch, message)


class LogSink(Protocol):
    def put(self, function: FunctionSpec, stream: str, events: Sequence[Event]) -> None:
        """Append `events` (in time order) to `stream` of the function's log group, creating
        the group and the stream if needed."""


def now_ms() -> int:
    return int(time.time() * 1000)


def stream_name(version: str, when: float | None = None) -> str:
    day = time.strftime("%Y/%m/%d", time.gmtime(time.time() if when is None else when))
    return f"{day}/[{version}]{secrets.token_hex(16)}"


def tail(text: str) -> str:
    """Base64 of the last 4 KB of an invocation's log, as X-Amz-Log-Result carries it."""
    return base64.b64encode(text.encode()[-TAIL_BYTES:]).decode()


@dataclass
class InvocationLog:
    """The events of one invocation, in order, with non-decreasing timestamps."""

    request_id: str
    events: list[Event] = field(default_factory=list)

    def add(self, message: str, when: int | None = None) -> None:
        stamp = now_ms() if when is None else when
        if self.events and stamp < self.events[-1][0]:
            stamp = self.events[-1][0]
        self.events.append((stamp, message if message.endswith("\n") else message + "\n"))

    def extend(self, lines: Sequence[Event]) -> None:
        for when, line in lines:
            self.add(line, when)

    def start(self, version: str) -> None:
        self.add(f"START RequestId: {self.request_id} Version: {version}")

    def end(self) -> None:
        self.add(f"END RequestId: {self.request_id}")

    def report(
        self,
        *,
        duration_ms: float,
        memory_mb: int,
        max_memory_kb: int,
        init_ms: float | None = None,
        status: str | None = None,
        error_type: str | None = None,
    ) -> None:
        used = max(1, math.ceil(max_memory_kb / 1024)) if max_memory_kb else 0
        parts = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {duration_ms:.2f} ms",
            f"Billed Duration: {max(1, math.ceil(duration_ms))} ms",
            f"Memory Size: {memory_mb} MB",
            f"Max Memory Used: {used} MB",
        ]
        if init_ms is not None:
            parts.append(f"Init Duration: {init_ms:.2f} ms")
        if status:
            parts.append(f"Status: {status}")
        if error_type:
            parts.append(f"Error Type: {error_type}")
        self.add("\t".join(parts))

    def text(self) -> str:
        return "".join(message for _, message in self.events)
