"""An HTTP API's listener reads what clients send within API Gateway's limits, whatever they
claim: bogus chunk sizes, Content-Length lies, stalled or dripping clients and malformed
headers get a quick JSON refusal and give their thread back; they never make the router
allocate a claimed size or wait forever. Raw sockets against a router in this process (the
refusals come before any API lookup; a request that gets through meets an unknown API: 404)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.localcloud.helpers import free_port
from tether.localcloud.http import router_request
from tether.localcloud.http.router import ApiRef, Router

MB = 1024 * 1024
REQUEST_TIMEOUT = 0.5  # instead of 30 s, so stalled clients are refused quickly here


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(router_request, "REQUEST_TIMEOUT", REQUEST_TIMEOUT)
    router = Router("127.0.0.1", free_port())
    url = router.open(ApiRef("123456789012", "us-east-1", "limits"))
    try:
        yield int(url.rsplit(":", 1)[1])
    finally:
        router.close_all()


class Connection:
    """A raw client connection, reading responses off one buffer (pipelined ones too)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.input = self.sock.makefile("rb")

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.input.close()
        self.sock.close()

    def sendall(self, data: bytes) -> None:
        self.sock.sendall(data)


def connect(port: int) -> Connection:
    return Connection(port)


def answer(connection: Connection) -> tuple[int, Any, bool]:
    """(status, JSON body, whether the server closes the connection) of the next response."""
    status_line = connection.input.readline()
    assert status_line.startswith(b"HTTP/1.1 "), status_line
    headers = http.client.parse_headers(connection.input)
    body = connection.input.read(int(headers["Content-Length"]))
    closes = (headers.get("Connection") or "").lower() == "close"
    return int(status_line.split()[1]), json.loads(body), closes


def head(extra: str = "", method: str = "POST") -> bytes:
    return f"{method} /things HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n".encode()


CHUNKED = "Transfer-Encoding: chunked\r\n"
TOO_LARGE = (413, {"message": "Request Entity Too Large"}, True)
BAD_REQUEST = (400, {"message": "Bad Request"}, True)
TIMED_OUT = (408, {"message": "Request Timeout"}, True)


def test_a_bogus_chunk_size_is_413_at_once_and_allocates_nothing(port: int) -> None:
    with connect(port) as sock:
        begun = time.monotonic()
        sock.sendall(head(CHUNKED) + b"ffffffffffff\r\n" + b"x" * 100)
        assert answer(sock) == TOO_LARGE
        assert time.monotonic() - begun < 0.5  # it did not wait for the claimed 256 TB
    with connect(port) as sock:  # more hex digits than any size: still a size, still too large
        sock.sendall(head(CHUNKED) + b"f" * 64 + b";ext=1\r\n")
        assert answer(sock) == TOO_LARGE


def test_chunks_adding_up_beyond_10_mb_are_413(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(head(CHUNKED))
        for _ in range(10):
            sock.sendall(b"100000\r\n" + b"x" * MB + b"\r\n")  # exactly 10 MB so far: fine
        sock.sendall(b"1\r\n")  # one byte more
        assert answer(sock) == TOO_LARGE


def test_malformed_chunk_framing_is_400(port: int) -> None:
    cases = [
        b"-5\r\nhello\r\n0\r\n\r\n",  # int() would take a sign
        b"0x5\r\nhello\r\n0\r\n\r\n",  # ... and a prefix
        b"1_0\r\nhello\r\n0\r\n\r\n",  # ... and underscores
        b"zz\r\n",
        b"5\r\nhello world\r\n0\r\n\r\n",  # a chunk longer than its size
        b"5\r\nhello\r\n0\r\n" + b"x-trailer: 1\r\n" * 101 + b"\r\n",  # endless trailers
        b"f" * 5000,  # a chunk-size line without end
    ]
    for body in cases:
        with connect(port) as sock:
            sock.sendall(head(CHUNKED) + body)
            assert answer(sock) == BAD_REQUEST, body[:20]
    for coding in ("gzip", "gzip, chunked", "chunked, chunked"):
        with connect(port) as sock:
            sock.sendall(head(f"Transfer-Encoding: {coding}\r\n") + b"0\r\n\r\n")
            assert answer(sock) == BAD_REQUEST, coding


def test_a_well_formed_chunked_body_is_read_and_the_connection_kept(port: int) -> None:
    with connect(port) as sock:
        body = b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n"
        sock.sendall(head(CHUNKED) + body + head(method="GET"))  # two requests, pipelined
        assert answer(sock) == (404, {"message": "Not Found"}, False)
        assert answer(sock) == (404, {"message": "Not Found"}, False)


@pytest.mark.parametrize(
    "stalled",
    [
        pytest.param(head("Content-Length: 5000000\r\n") + b"a little", id="content-length-lie"),
        pytest.param(head(CHUNKED) + b"ff", id="chunk-size-line-never-ends"),
        pytest.param(head(CHUNKED) + b"10\r\nshort", id="chunk-never-ends"),
        pytest.param(b"POST /things HTTP/1.1\r\nX-Half", id="headers-never-end"),
    ],
)
def test_a_stalled_request_is_408_within_the_request_timeout(port: int, stalled: bytes) -> None:
    with connect(port) as sock:
        begun = time.monotonic()
        sock.sendall(stalled)
        assert answer(sock) == TIMED_OUT
        assert time.monotonic() - begun < REQUEST_TIMEOUT + 1.0


def test_a_dripping_client_runs_out_of_time_as_a_stalled_one(port: int) -> None:
    with connect(port) as sock:
        begun = time.monotonic()
        sock.sendall(head("Content-Length: 1000\r\n"))
        closed = False
        for _ in range(40):  # a byte every 0.1 s would take 100 s
            try:
                sock.sendall(b"x")
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - begun > REQUEST_TIMEOUT + 0.5:
                break
        if not closed:
            assert answer(sock) == TIMED_OUT
        assert time.monotonic() - begun < REQUEST_TIMEOUT + 1.5


def test_content_length_that_is_not_a_length_is_400_and_a_huge_one_413(port: int) -> None:
    for header in (
        "Content-Length: 12abc\r\n",
        "Content-Length: -1\r\n",
        "Content-Length: +5\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n",
    ):
        with connect(port) as sock:
            sock.sendall(head(header) + b"hello!")
            assert answer(sock) == BAD_REQUEST, header
    for header in ("Content-Length: 10485761\r\n", f"Content-Length: {'9' * 5000}\r\n"):
        with connect(port) as sock:
            sock.sendall(head(header))
            assert answer(sock) == TOO_LARGE, header[:30]
    with connect(port) as sock:  # the same length twice is one length
        sock.sendall(head("Content-Length: 5\r\nContent-Length: 5\r\n") + b"hello")
        assert answer(sock)[0] == 404


def test_a_body_of_exactly_10_mb_is_read(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(head(f"Content-Length: {10 * MB}\r\n") + b"x" * (10 * MB))
        assert answer(sock)[0] == 404


def test_expect_100_continue_is_refused_before_the_body_when_it_is_too_large(
    port: int,
) -> None:
    with connect(port) as sock:
        sock.sendall(head(f"Content-Length: {20 * MB}\r\nExpect: 100-continue\r\n"))
        assert answer(sock) == TOO_LARGE  # not `100 Continue`


def test_malformed_headers_get_a_json_refusal(port: int) -> None:
    cases = [
        (head("X-Long: " + "a" * 70000 + "\r\n"), 431),
        (head("".join(f"X-{i}: {i}\r\n" for i in range(120))), 431),
        (b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"NOT A REQUEST LINE AT ALL\r\n\r\n", 400),
        (b"BREW /things HTTP/1.1\r\n\r\n", 501),
    ]
    for raw, status in cases:
        with connect(port) as sock:
            sock.sendall(raw)
            got, body, closes = answer(sock)
            assert (got, closes) == (status, True), raw[:30]
            assert set(body) == {"message"}


def test_threads_are_given_back(port: int) -> None:
    before = threading.active_count()
    socks = [connect(port) for _ in range(20)]
    for sock in socks:
        sock.sendall(head("Content-Length: 100\r\n"))  # and never the body
    for sock in socks:
        assert answer(sock) == TIMED_OUT
        sock.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before
