"""Reading an HTTP request off an HTTP API's connection, within API Gateway's limits.

The router's listeners face any client on the machine, so what a client claims is never
trusted: a body is read only up to `MAX_BODY` (10 MB, API Gateway's payload limit; beyond it
413) whatever Content-Length or the chunk sizes say, in pieces as it arrives (nothing is
allocated for a claimed size); a chunk-size line, a chunk's end and the trailers are checked
(else 400); and a request must arrive whole within `REQUEST_TIMEOUT` seconds from its first
byte, request line, headers and body together (else 408 and the connection is closed), so a
client that stalls or drips bytes cannot hold a thread. Between requests a keep-alive
connection waits for the next one's first byte as long as the server's idle timeout.

`RequestInput` is the connection's input with that deadline (it replaces the handler's
`rfile`, so the standard library's header parsing is bounded too); `read_body` reads the body.
"""

from __future__ import annotations

import io
import re
import socket
import time
from collections.abc import Callable
from email.message import Message

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
REQUEST_TIMEOUT = 30.0  # seconds for a whole request to arrive, from its first byte
MAX_CHUNK_LINE = 4096  # a chunk-size line with its extensions
MAX_TRAILER_LINE = 8192
MAX_TRAILERS = 100
PIECE = 1 << 16  # bytes read at a time

_HEX = re.compile(rb"[0-9A-Fa-f]+")
_DIGITS = re.compile(r"[0-9]+")


class BadRequest(Exception):
    """The request is malformed (400)."""


class BodyTooLarge(Exception):
    """The body is, or claims to be, larger than the limit (413)."""


class RequestTimeout(TimeoutError):
    """The request did not arrive whole within its deadline (408)."""


class RequestInput(io.BufferedIOBase):
    """A connection's input: reads wait at most until the current request's deadline.

    The deadline starts with a request's first byte (`readline` of the request line) and
    `finish` ends it once the request is read; without one, reads wait as long as the
    socket's idle timeout. Every read makes at most one `recv` under the time left, so a
    client that drips bytes runs out of time as surely as one that stalls.
    """

    def __init__(
        self,
        inner: io.BufferedReader,
        connection: socket.socket,
        *,
        idle_timeout: float | None,
        request_timeout: float,
    ) -> None:
        super().__init__()
        self._inner = inner
        self._connection = connection
        self._idle_timeout = idle_timeout
        self._request_timeout = request_timeout
        self._deadline: float | None = None

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._inner.close()
        super().close()

    def finish(self) -> None:
        """The request is read: back to the idle timeout (for the answer and the next one)."""
        if self._deadline is not None:
            self._deadline = None
            self._connection.settimeout(self._idle_timeout)

    def readline(self, size: int | None = -1) -> bytes:
        """A line (with its newline), at most `size` bytes; b"" at end of input."""
        limit = -1 if size is None else size
        if self._deadline is None:
            if not self._inner.peek(1):  # waits for a request as long as the idle timeout
                return b""
            self._deadline = time.monotonic() + self._request_timeout
        line = bytearray()
        while limit < 0 or len(line) < limit:
            data = self._within_deadline(self._inner.peek, 1)
            if not data:
                break
            wanted = len(data) if limit < 0 else min(len(data), limit - len(line))
            end = data.find(b"\n", 0, wanted)
            line += self._inner.read(end + 1 if end >= 0 else wanted)  # buffered: no recv
            if end >= 0:
                break
        return bytes(line)

    def read(self, size: int | None = -1) -> bytes:
        """Exactly `size` bytes, fewer only at end of input (`size` must be given)."""
        if size is None or size < 0:
            raise ValueError("RequestInput reads a known number of bytes")
        data = bytearray()
        while len(data) < size:
            piece = self._within_deadline(self._inner.read1, min(PIECE, size - len(data)))
            if not piece:
                break
            data += piece
        return bytes(data)

    def _within_deadline(self, read: Callable[[int], bytes], size: int) -> bytes:
        """One buffered read (at most one recv) that may wait only for the time left."""
        late = RequestTimeout(f"the request did not arrive within {self._request_timeout} s")
        if self._deadline is None:
            return read(size)
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise late
        self._connection.settimeout(remaining)
        try:
            return read(size)
        except TimeoutError as exc:
            raise late from exc


def declared_length(headers: Message) -> int | None:
    """The Content-Length (None without one); BadRequest if unreadable or conflicting,
    BodyTooLarge past the limit."""
    values = {
        value.strip()
        for header in headers.get_all("Content-Length") or []
        for value in header.split(",")
    }
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest("conflicting Content-Length headers")
    text = values.pop()
    if not _DIGITS.fullmatch(text):
        raise BadRequest(f"Content-Length {text!r} is not a number")
    if len(text.lstrip("0")) > len(str(MAX_BODY)):
        raise BodyTooLarge
    length = int(text)
    if length > MAX_BODY:
        raise BodyTooLarge
    return length


def is_chunked(headers: Message) -> bool:
    """Whether the body is chunked; BadRequest for a transfer coding the router cannot read."""
    codings = [
        coding.strip().lower()
        for header in headers.get_all("Transfer-Encoding") or []
        for coding in header.split(",")
        if coding.strip()
    ]
    if not codings:
        return False
    if codings != ["chunked"]:
        raise BadRequest(f"unsupported Transfer-Encoding {', '.join(codings)}")
    return True


def read_body(headers: Message, source: RequestInput) -> bytes:
    """The request's body: chunked, of Content-Length bytes, or none."""
    if is_chunked(headers):  # it takes precedence over any Content-Length
        return _read_chunked(source)
    length = declared_length(headers)
    if not length:
        return b""
    body = source.read(length)
    if len(body) < length:
        raise BadRequest("the connection ended before the body did")
    return body


def _read_chunked(source: RequestInput) -> bytes:
    body = bytearray()
    while True:
        line = source.readline(MAX_CHUNK_LINE + 1)
        if not line.endswith(b"\n"):
            raise BadRequest("a chunk-size line is too long or unfinished")
        size_text = line.split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_text):
            raise BadRequest(f"bad chunk size {size_text[:20]!r}")
        if len(size_text.lstrip(b"0")) > 8:  # 4 GB or more: no need to read the number
            raise BodyTooLarge
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > MAX_BODY:
            raise BodyTooLarge
        chunk = source.read(size)
        if len(chunk) < size:
            raise BadRequest("the connection ended inside a chunk")
        body += chunk
        if source.readline(3) not in (b"\r\n", b"\n"):
            raise BadRequest("a chunk is longer than its size says")
    for _ in range(MAX_TRAILERS + 1):
        line = source.readline(MAX_TRAILER_LINE + 1)
        if not line.endswith(b"\n"):
            raise BadRequest("a trailer line is too long or unfinished")
        if line in (b"\r\n", b"\n"):
            return bytes(body)
    raise BadRequest("too many trailer lines")
