"""A kept-alive connection to an HTTP API gets each answer at once: headers and body in one
send, on a socket with TCP_NODELAY, so no answer waits for the client's delayed ACK (40 ms
each on Linux, when an answer is written in two sends on a Nagle socket)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import HELLO, free_port
from tether import load_project
from tether.deploy.pipeline import deploy
from tether.localcloud import LocalCloud
from tether.localcloud.http.router import ApiRef, Router

DELAYED_ACK = 0.040  # Linux's shortest delayed ACK: what every answer would wait without the fix


@pytest.fixture(scope="module")
def api_port(cloud: LocalCloud, cloud_home: Path, tmp_path_factory: pytest.TempPathFactory) -> int:
    root = shutil.copytree(HELLO, tmp_path_factory.mktemp("keepalive") / "hello")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TETHER_HOME", str(cloud_home))
        outputs = deploy(load_project(root), stage="keepalive", target="local").outputs
    return int(outputs["WebHttpApiUrl"].rsplit(":", 1)[1])


def test_a_kept_alive_connection_gets_20_answers_each_in_one_piece_at_once(
    api_port: int,
) -> None:
    with socket.create_connection(("127.0.0.1", api_port), timeout=30) as sock:
        seconds = []
        for i in range(20):
            began = time.perf_counter()
            sock.sendall(f"GET /hello/n{i} HTTP/1.1\r\nHost: 127.0.0.1:{api_port}\r\n\r\n".encode())
            answer = sock.recv(65536)  # one read: what one send wrote
            seconds.append(time.perf_counter() - began)
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 "), answer[:200]
            length = re.search(rb"(?im)^content-length: *(\d+)", head)
            assert length is not None, head
            assert body == f"hello n{i}".encode() and len(body) == int(length.group(1))
    # Every answer of a stalled connection takes at least the delayed ACK; a fast one, a few ms.
    assert statistics.median(seconds) < DELAYED_ACK, seconds


@pytest.fixture
def router_port() -> Iterator[int]:
    """A listener in this process (its API is unknown to moto: it answers 404)."""
    router = Router("127.0.0.1", free_port())
    url = router.open(ApiRef("123456789012", "us-east-1", "nodelay"))
    try:
        yield int(url.rsplit(":", 1)[1])
    finally:
        router.close_all()


def _server_end(client: socket.socket) -> socket.socket | None:
    """The listener's socket of `client`'s connection (a duplicate of its descriptor), found
    among this process's open descriptors."""
    wanted = (client.getpeername(), client.getsockname())
    for name in os.listdir("/proc/self/fd"):
        try:
            found = socket.socket(fileno=os.dup(int(name)))
        except OSError:  # not a socket (the duplicate is closed with the failed socket)
            continue
        try:
            if (found.getsockname(), found.getpeername()) == wanted:
                return found
        except OSError:  # a listening or unconnected socket
            pass
        found.close()
    return None


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="lists descriptors in /proc")
def test_accepted_connections_have_tcp_nodelay(router_port: int) -> None:
    with socket.create_connection(("127.0.0.1", router_port), timeout=10) as client:
        client.sendall(f"GET /x HTTP/1.1\r\nHost: 127.0.0.1:{router_port}\r\n\r\n".encode())
        assert client.recv(65536).startswith(b"HTTP/1.1 404 ")  # accepted, and kept alive
        server_end = _server_end(client)
        assert server_end is not None
        with server_end:
            assert server_end.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
