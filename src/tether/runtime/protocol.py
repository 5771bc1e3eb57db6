"""The wire format between the local cloud and a worker: length-prefixed JSON frames on pipes.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON (one object).
The parent writes `init` and `invoke` frames on the worker's request pipe; the worker answers
`ready` / `init_error` and `result` / `error` frames on its response pipe. What the function
prints goes to the worker's stdout and stderr, a third pipe; the worker ends each phase's
output with a marker line (the sentinel from `init`) before it sends the phase's answer, so
the parent knows which output belongs to which invocation.

Standard library only: the worker loads this file by path, without importing `tether`.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024


class ClosedError(EOFError):
    """The other end closed its pipe (the worker exited, or the parent is gone)."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


def write_frame(fd: int, message: dict[str, Any]) -> None:
    data = memoryview(encode(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_exactly(fd: int, size: int) -> bytes:
    """Block until `size` bytes arrive; ClosedError at end of file."""
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise ClosedError()
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict[str, Any]:
    """The next frame from a blocking pipe."""
    (size,) = HEADER.unpack(read_exactly(fd, HEADER.size))
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes is too large")
    message: dict[str, Any] = json.loads(read_exactly(fd, size))
    return message


class FrameBuffer:
    """Incremental decoder for a non-blocking reader: feed bytes, take whole frames."""

    def __init__(self) -> None:
        self._data = bytearray()

    def feed(self, chunk: bytes) -> None:
        self._data += chunk

    def next(self) -> dict[str, Any] | None:
        if len(self._data) < HEADER.size:
            return None
        (size,) = HEADER.unpack_from(self._data)
        end = HEADER.size + size
        if len(self._data) < end:
            return None
        message: dict[str, Any] = json.loads(bytes(self._data[HEADER.size : end]))
        del self._data[:end]
        return message
