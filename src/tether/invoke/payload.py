"""Events as the user hands them over: read from a file or standard input, checked to be what
Lambda would accept, and refused with the place and the fix when they are not.

An event must be UTF-8 JSON (a PNG or a truncated file says so, with the byte or the line and
column), nested no deeper than `MAX_DEPTH` (Python's json would otherwise overflow its stack,
here or in the function's runtime), and, as the payload Tether sends, no larger than Lambda's
limit for the invocation type. `tether invoke` and the saved test cases both read events here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any, Literal

from tether.errors import TetherError
from tether.model.limits import INVOKE_ASYNC_BYTES, INVOKE_SYNC_BYTES

InvocationType = Literal["RequestResponse", "Event"]

# Lambda's payload quotas (docs: Invoke API, "Lambda quotas"): 6 MB for a synchronous invoke,
# 1 MB for an asynchronous one (256 KB before 2025). Tether invokes synchronously.
PAYLOAD_LIMITS: dict[InvocationType, int] = {
    "RequestResponse": INVOKE_SYNC_BYTES,
    "Event": INVOKE_ASYNC_BYTES,
}
MAX_DEPTH = 256  # levels of nested objects and arrays; real events have fewer than twenty
MAX_READ_BYTES = 64 * 1024 * 1024  # more cannot be an event, however it is indented


class EventError(TetherError):
    """An event that cannot be sent: not UTF-8, not JSON, nested too deep, or too large."""


def _the(where: str | None) -> str:
    return f"the event in {where}" if where else "the event"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB ({count:,} bytes)"
    return f"{count:,} bytes"


def read_event_file(path: Path, *, shown: str | None = None) -> Any:
    """The JSON event in `path`; `shown` is how the path reads in messages."""
    where = shown or str(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_READ_BYTES + 1)
    except FileNotFoundError:
        raise EventError(
            f"event file {where} not found", hint="give a JSON file, or - for standard input"
        ) from None
    except IsADirectoryError:
        raise EventError(
            f"{where} is a directory, not an event file", hint="give a JSON file"
        ) from None
    except OSError as exc:
        raise EventError(
            f"cannot read the event file {where}: {exc.strerror or exc}",
            hint="check that it is a readable file",
        ) from None
    return parse_event(data, where=where)


def read_event_stream(stream: IO[bytes], *, where: str = "standard input") -> Any:
    return parse_event(stream.read(MAX_READ_BYTES + 1), where=where)


def parse_event(data: bytes, *, where: str) -> Any:
    """Decode and parse an event's bytes; `where` names them in messages ("events/x.json")."""
    if len(data) > MAX_READ_BYTES:
        raise EventError(
            f"{_the(where)} is over {_size(MAX_READ_BYTES)}; Lambda accepts at most "
            f"{_size(PAYLOAD_LIMITS['RequestResponse'])}",
            hint="send a reference to large data (an S3 key) instead of the data itself",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EventError(
            f"{_the(where)} is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start} (line {line}) cannot be decoded",
            hint="an event is JSON text; is this an image or another binary file? To send "
            "binary data, base64-encode it into a JSON string",
        ) from None
    if not text.strip():
        raise EventError(
            f"{_the(where)} is empty", hint='write a JSON value, e.g. {"key": "value"}'
        )
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventError(
            f"{_the(where)} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            hint=_json_hint(exc),
        ) from None
    except RecursionError:
        raise EventError(
            f"{_the(where)} is nested too deeply to read",
            hint=f"an event may nest objects and arrays at most {MAX_DEPTH} levels deep",
        ) from None
    check_depth(event, where=where)
    encode(event, where=where)  # Tether invokes synchronously: refuse what Lambda would now
    return event


def _json_hint(exc: json.JSONDecodeError) -> str:
    if "Expecting property name" in exc.msg:
        return "JSON keys are in double quotes, and there is no comma after the last item"
    if exc.msg.startswith("Extra data"):
        return "an event is one JSON value; wrap several in a list [...]"
    if "control character" in exc.msg:
        return "escape line breaks and tabs inside strings as \\n and \\t"
    return 'fix the JSON there; strings and keys take double quotes, e.g. {"key": "value"}'


def check_depth(event: Any, *, where: str) -> None:
    """Refuse an event nested deeper than MAX_DEPTH; walks without recursion."""
    stack: list[tuple[Any, int]] = [(event, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            raise EventError(
                f"{_the(where)} is nested {MAX_DEPTH + 1} or more levels deep",
                hint=f"an event may nest objects and arrays at most {MAX_DEPTH} levels deep",
            )
        stack.extend((child, depth + 1) for child in children)


def encode(
    event: Any, *, where: str | None = None, kind: InvocationType = "RequestResponse"
) -> bytes:
    """The payload Tether sends for `event`, refused when over Lambda's limit for `kind`."""
    try:
        payload = json.dumps(event).encode()
    except RecursionError:
        raise EventError(
            f"{_the(where)} is nested too deeply to send",
            hint=f"an event may nest objects and arrays at most {MAX_DEPTH} levels deep",
        ) from None
    limit = PAYLOAD_LIMITS[kind]
    if len(payload) > limit:
        how = "a synchronous" if kind == "RequestResponse" else "an asynchronous"
        raise EventError(
            f"{_the(where)} is {_size(len(payload))} as JSON; Lambda accepts at most "
            f"{_size(limit)} for {how} invoke",
            hint="send a reference to large data (an S3 key, a table item) instead of the data",
        )
    return payload
