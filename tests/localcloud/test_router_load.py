"""A deployed HTTP API holds up under load and lets go of what nobody waits for: 200 clients at
once are all answered; a request past its integration timeout gets 503 and its function's
worker is killed (so the next request is served at once), as is the worker of a client that
hung up; chunked bodies arrive whole, bogus ones are refused."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers import write_project
from tests.localcloud.router_fixtures import HookedCloud, wait_for
from tether import load_project
from tether.deploy.pipeline import deploy

CLIENTS = 200

PROJECT = """
name: loads
resources:
  web: {{type: http.api}}
functions:
  hello:
    handler: app/handler.handler
    triggers:
      - {{resource: web, route: "GET /hello"}}
      - {{resource: web, route: "POST /echo"}}
  napper:
    handler: app/handler.handler
    environment: {{MARKS: "{marks}/napper"}}
    triggers:
      - {{resource: web, route: "GET /slow"}}
      - {{resource: web, route: "GET /quick"}}
  hanger:
    handler: app/handler.handler
    environment: {{MARKS: "{marks}/hanger"}}
    triggers:
      - {{resource: web, route: "GET /hang"}}
"""

# /slow and /hang: marks `started-<pid>`, sleeps a minute, marks `finished-<pid>` (never, if
# the invocation is cancelled).
HANDLER = """
import os
import time
from pathlib import Path


def handler(event, context):
    path = event["rawPath"]
    if path in ("/slow", "/hang"):
        marks = Path(os.environ["MARKS"])
        (marks / f"started-{os.getpid()}").touch()
        time.sleep(60)
        (marks / f"finished-{os.getpid()}").touch()
    if path == "/echo":
        return {"statusCode": 200, "body": event.get("body", "")}
    return {"pid": os.getpid()}
"""


@dataclass(frozen=True)
class Deployed:
    url: str
    marks: Path

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 80

    def started(self, function: str) -> list[int]:
        return [int(p.name.split("-")[1]) for p in (self.marks / function).glob("started-*")]

    def finished(self, function: str) -> list[Path]:
        return list((self.marks / function).glob("finished-*"))


@pytest.fixture(scope="module")
def deployed(
    hooked_cloud: HookedCloud, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    marks = tmp_path_factory.mktemp("marks")
    for function in ("napper", "hanger"):
        (marks / function).mkdir()
    root = write_project(
        tmp_path_factory.mktemp("loads") / "loads",
        PROJECT.format(marks=marks),
        {"app/handler.py": HANDLER},
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TETHER_HOME", str(hooked_cloud.home))
        outputs = deploy(load_project(root), stage="dev", target="local").outputs
    url = outputs["WebHttpApiUrl"]
    gateway = hooked_cloud.client("apigatewayv2")
    api = next(a for a in gateway.get_apis()["Items"] if a["ApiEndpoint"] == url)
    for integration in gateway.get_integrations(ApiId=api["ApiId"])["Items"]:
        if integration["IntegrationUri"].endswith(":loads-dev-napper"):
            gateway.update_integration(
                ApiId=api["ApiId"],
                IntegrationId=integration["IntegrationId"],
                TimeoutInMillis=1000,
            )
    yield Deployed(url, marks)


def get(port: int, path: str, *, timeout: float = 30) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def timed_get(port: int, path: str) -> tuple[float, int, Any]:
    begun = time.monotonic()
    status, body = get(port, path)
    return time.monotonic() - begun, status, body


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def test_200_concurrent_clients_are_all_answered(deployed: Deployed, record_property: Any) -> None:
    assert get(deployed.port, "/hello")[0] == 200  # warm
    start = threading.Barrier(CLIENTS)
    latencies: list[float] = []
    errors: list[str] = []

    def client() -> None:
        try:
            start.wait(30)
            seconds, status, body = timed_get(deployed.port, "/hello")
            if status != 200 or "pid" not in body:
                errors.append(f"{status} {body}")
            latencies.append(seconds)
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(latencies) == CLIENTS
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    record_property("p50_ms", round(p50 * 1000, 1))
    record_property("p99_ms", round(p99 * 1000, 1))
    print(f"{CLIENTS} concurrent requests: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")


def test_past_the_integration_timeout_the_request_is_503_and_its_worker_killed(
    deployed: Deployed, hooked_cloud: HookedCloud
) -> None:
    # More slow requests than the function has workers (4): some wait for one and give up.
    results: list[tuple[float, int, Any]] = []
    slow = [
        threading.Thread(target=lambda: results.append(timed_get(deployed.port, "/slow")))
        for _ in range(6)
    ]
    for thread in slow:
        thread.start()
    for thread in slow:
        thread.join(30)
    assert [(status, body) for _, status, body in results] == [
        (503, {"message": "Service Unavailable"})
    ] * 6
    assert max(seconds for seconds, _, _ in results) < 4  # 1 s, and the workers' cleanup

    seconds, status, body = timed_get(deployed.port, "/quick")
    assert status == 200
    assert seconds < 2  # a free worker, not one still sleeping
    slowest = max(s for s, _, _ in results)
    print(f"503 after {slowest * 1000:.0f} ms at most; the next request {seconds * 1000:.0f} ms")
    started = deployed.started("napper")  # (one that waited may have had a worker in time)
    assert started
    assert all(gone(pid) for pid in started)
    assert body["pid"] not in started
    time.sleep(0.5)
    assert len(deployed.started("napper")) == len(started)  # those that waited never ran
    assert deployed.finished("napper") == []

    logs = hooked_cloud.client("logs").filter_log_events(
        logGroupName="/aws/lambda/loads-dev-napper"
    )
    messages = "".join(event["message"] for event in logs["events"])
    assert "Invocation cancelled: the HTTP API's integration timed out after 1.00 seconds" in (
        messages
    )
    assert "Status: cancelled" in messages


def test_a_client_that_hangs_up_has_its_invocation_cancelled(deployed: Deployed) -> None:
    with socket.create_connection(("127.0.0.1", deployed.port), timeout=10) as sock:
        sock.sendall(b"GET /hang HTTP/1.1\r\nHost: localhost\r\n\r\n")
        [pid] = wait_for(lambda: deployed.started("hanger"), 10, "the handler to start")
    hung_up = time.monotonic()
    wait_for(lambda: gone(pid), 5, "the worker of the gone client to be killed")
    assert time.monotonic() - hung_up < 2  # not the integration timeout (30 s)
    assert deployed.finished("hanger") == []


def test_chunked_bodies_arrive_whole_and_bogus_ones_are_refused(deployed: Deployed) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", deployed.port, timeout=30)
    try:
        pieces = [b"first piece, ", b"second piece, ", b"last"]
        connection.request(
            "POST",
            "/echo",
            body=iter(pieces),
            headers={"Content-Type": "text/plain"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"".join(pieces))
    finally:
        connection.close()
    with socket.create_connection(("127.0.0.1", deployed.port), timeout=10) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"ffffffffffff\r\nabc"
        )
        answer = sock.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert answer.endswith(b'{"message":"Request Entity Too Large"}')
