"""HTTP APIs of a deployed project answer on their local URL: routes, path parameters, query
strings, headers, cookies, bodies, API Gateway's 404s, and the function's response mapped as
API Gateway maps payload format 2.0 results."""

from __future__ import annotations

import base64
import http.client
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers import tether, write_project
from tests.localcloud.helpers import REGION
from tests.localcloud.router_fixtures import HookedCloud, wait_for
from tether import load_project
from tether.deploy.pipeline import deploy

PROJECT = """
name: routes
resources:
  web: {type: http.api}
  site: {type: http.api}
functions:
  echo:
    handler: app/echo.handler
    triggers:
      - {resource: web, route: "GET /orders/{id}"}
      - {resource: web, route: "POST /orders"}
      - {resource: web, route: "ANY /files/{proxy+}"}
  respond:
    handler: app/respond.handler
    environment: {GREETING: hello}
    triggers:
      - {resource: web, route: "GET /respond/{case}"}
  fallback:
    handler: app/echo.handler
    triggers:
      - {resource: site, route: "$default"}
"""

ECHO = "def handler(event, context):\n    return event\n"

RESPOND = """
import base64


def handler(event, context):
    case = event["pathParameters"]["case"]
    if case == "status":
        return {
            "statusCode": 201,
            "headers": {"content-type": "text/plain", "x-custom": "yes"},
            "body": "created",
        }
    if case == "cookies":
        return {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": "ok"}
    if case == "binary":
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/octet-stream"},
            "body": base64.b64encode(bytes(range(256))).decode(),
            "isBase64Encoded": True,
        }
    if case == "string":
        return "just a string"
    if case == "object":
        return {"items": [1, 2]}
    if case == "error":
        raise RuntimeError("boom")
    if case == "malformed":
        return {"statusCode": "not a number"}
    return {"statusCode": 400, "body": "unknown case"}
"""


@dataclass(frozen=True)
class Deployed:
    root: Path
    outputs: dict[str, str]
    web: str
    site: str


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture(scope="module")
def deployed(
    hooked_cloud: HookedCloud, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    root = write_project(
        tmp_path_factory.mktemp("routes") / "routes",
        PROJECT,
        {"app/echo.py": ECHO, "app/respond.py": RESPOND},
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TETHER_HOME", str(hooked_cloud.home))
        result = deploy(load_project(root), stage="dev", target="local")
    outputs = result.outputs
    yield Deployed(root, outputs, outputs["WebHttpApiUrl"], outputs["SiteHttpApiUrl"])


def call(
    base: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Reply:
    """One request with http.client (repeated headers allowed)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers or []:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def test_the_stack_output_is_a_local_url_that_works(
    deployed: Deployed, hooked_cloud: HookedCloud
) -> None:
    url = deployed.web
    assert url.startswith("http://127.0.0.1:")
    reply = call(url, "GET", "/orders/1")
    assert reply.status == 200
    api_id = reply.json()["requestContext"]["apiId"]
    assert hooked_cloud.client("apigatewayv2").get_api(ApiId=api_id)["ApiEndpoint"] == url
    config = hooked_cloud.client("lambda").get_function_configuration(
        FunctionName="routes-dev-respond"
    )
    assert config["Environment"]["Variables"]["WEB_URL"] == url
    assert deployed.site != url


def test_path_parameters_query_strings_headers_and_cookies_reach_the_function(
    deployed: Deployed,
) -> None:
    reply = call(
        deployed.web,
        "GET",
        "/orders/42?x=1&x=2&name=ann%20lee&flag=",
        headers=[
            ("X-Multi", "a"),
            ("X-Multi", "b"),
            ("User-Agent", "router-test/1"),
            ("Cookie", "c1=v1; c2=v2"),
        ],
    )
    assert reply.status == 200
    assert reply.header("content-type") == "application/json"
    event = reply.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /orders/{id}"
    assert event["rawPath"] == "/orders/42"
    assert event["rawQueryString"] == "x=1&x=2&name=ann%20lee&flag="
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"x": "1,2", "name": "ann lee", "flag": ""}
    assert event["headers"]["x-multi"] == "a,b"
    assert event["headers"]["user-agent"] == "router-test/1"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert context["accountId"] == "123456789012"
    assert context["routeKey"] == "GET /orders/{id}"
    assert context["stage"] == "$default"
    assert context["http"] == {
        "method": "GET",
        "path": "/orders/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "router-test/1",
    }
    assert context["domainName"] == urlsplit(deployed.web).netloc
    assert context["domainPrefix"] == context["apiId"]
    assert isinstance(context["timeEpoch"], int)
    assert context["requestId"] == reply.header("apigw-requestid")


def test_a_json_body_arrives_as_text(deployed: Deployed) -> None:
    body = json.dumps({"item": "book", "count": 2}).encode()
    reply = call(
        deployed.web,
        "POST",
        "/orders",
        body=body,
        headers=[("Content-Type", "application/json")],
    )
    event = reply.json()
    assert event["routeKey"] == "POST /orders"
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == {"item": "book", "count": 2}
    assert "pathParameters" not in event


def test_a_binary_body_arrives_base64_encoded_on_a_greedy_route(deployed: Deployed) -> None:
    data = bytes(range(256)) * 4
    reply = call(
        deployed.web,
        "PUT",
        "/files/photos/2024/cat%20one.bin",
        body=data,
        headers=[("Content-Type", "application/octet-stream")],
    )
    event = reply.json()
    assert event["routeKey"] == "ANY /files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "photos/2024/cat one.bin"}
    assert event["requestContext"]["http"]["method"] == "PUT"
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_unknown_paths_are_404_not_found(deployed: Deployed) -> None:
    for path in ("/nothing", "/orders", "/orders/1/items", "/files"):
        reply = call(deployed.web, "GET", path)
        assert (reply.status, reply.json()) == (404, {"message": "Not Found"}), path


def test_a_method_the_path_does_not_have_is_404_unless_any_takes_it(deployed: Deployed) -> None:
    reply = call(deployed.web, "DELETE", "/orders/1")
    assert (reply.status, reply.json()) == (404, {"message": "Not Found"})
    reply = call(deployed.web, "GET", "/orders/1", body=b"")
    assert reply.status == 200
    reply = call(deployed.web, "DELETE", "/files/a")
    assert reply.json()["routeKey"] == "ANY /files/{proxy+}"


def test_default_route_takes_every_path_and_method(deployed: Deployed) -> None:
    for method, path in (("GET", "/"), ("POST", "/a/b?q=1"), ("PATCH", "/x")):
        reply = call(deployed.site, method, path, body=b"{}" if method != "GET" else None)
        assert reply.status == 200, (method, path)
        event = reply.json()
        assert event["routeKey"] == "$default"
        assert event["rawPath"] == path.partition("?")[0]
        assert "pathParameters" not in event


def test_a_response_object_sets_status_and_headers(deployed: Deployed) -> None:
    reply = call(deployed.web, "GET", "/respond/status")
    assert reply.status == 201
    assert reply.header("content-type") == "text/plain"
    assert reply.header("x-custom") == "yes"
    assert reply.body == b"created"


def test_response_cookies_become_set_cookie_headers(deployed: Deployed) -> None:
    reply = call(deployed.web, "GET", "/respond/cookies")
    assert reply.status == 200
    assert reply.all("set-cookie") == ["a=1; Path=/", "b=2"]
    assert reply.body == b"ok"


def test_a_base64_response_body_is_decoded(deployed: Deployed) -> None:
    reply = call(deployed.web, "GET", "/respond/binary")
    assert reply.header("content-type") == "application/octet-stream"
    assert reply.body == bytes(range(256))


def test_a_plain_result_is_a_200_json_body(deployed: Deployed) -> None:
    reply = call(deployed.web, "GET", "/respond/string")
    assert (reply.status, reply.header("content-type")) == (200, "application/json")
    assert reply.json() == "just a string"
    reply = call(deployed.web, "GET", "/respond/object")
    assert (reply.status, reply.json()) == (200, {"items": [1, 2]})


def test_function_errors_and_unreadable_results_are_500(deployed: Deployed) -> None:
    for case in ("error", "malformed"):
        reply = call(deployed.web, "GET", f"/respond/{case}")
        assert (reply.status, reply.json()) == (500, {"message": "Internal Server Error"}), case


def test_a_body_over_10_mb_is_refused(deployed: Deployed) -> None:
    url = urlsplit(deployed.web)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.putrequest("POST", "/orders")
        connection.putheader("Content-Length", str(10 * 1024 * 1024 + 1))
        connection.endheaders()
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (
            413,
            {"message": "Request Entity Too Large"},
        )
    finally:
        connection.close()


def test_an_api_without_routes_or_stage_and_a_deleted_api(hooked_cloud: HookedCloud) -> None:
    gateway = hooked_cloud.client("apigatewayv2")
    api = gateway.create_api(Name="bare", ProtocolType="HTTP")
    url = api["ApiEndpoint"]
    assert url.startswith("http://127.0.0.1:")
    assert call(url, "GET", "/").status == 404  # no stage yet
    gateway.create_stage(ApiId=api["ApiId"], StageName="$default")
    assert call(url, "GET", "/").status == 404  # no route
    gateway.delete_api(ApiId=api["ApiId"])

    def refused() -> bool:
        try:
            call(url, "GET", "/")
        except OSError:
            return True
        return False

    wait_for(refused, 10, "the deleted API's listener to close")


def test_websocket_apis_keep_their_aws_endpoint(hooked_cloud: HookedCloud) -> None:
    api = hooked_cloud.client("apigatewayv2").create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )
    assert api["ApiEndpoint"].startswith(f"https://{api['ApiId']}.execute-api.{REGION}.")


def test_each_api_has_its_own_port(deployed: Deployed, hooked_cloud: HookedCloud) -> None:
    ports = {urlsplit(deployed.web).port, urlsplit(deployed.site).port}
    assert len(ports) == 2
    assert urlsplit(hooked_cloud.endpoint).port not in ports


def test_tether_outputs_shows_the_working_url(
    deployed: Deployed, hooked_cloud: HookedCloud
) -> None:
    env = {**os.environ, "TETHER_HOME": str(hooked_cloud.home)}
    result = tether("outputs", "--stage", "dev", "--json", cwd=deployed.root, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["WebHttpApiUrl"] == deployed.web


def test_a_redeploy_changes_the_routes_and_keeps_the_url(
    hooked_cloud: HookedCloud, tmp_path: Path
) -> None:
    project = """
    name: reroute
    resources:
      web: {type: http.api}
    functions:
      echo:
        handler: app/echo.handler
        triggers:
          - {resource: web, route: "GET /old"}
    """
    root = write_project(tmp_path / "reroute", project, {"app/echo.py": ECHO})
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TETHER_HOME", str(hooked_cloud.home))
        first = deploy(load_project(root), stage="dev", target="local")
        url = first.outputs["WebHttpApiUrl"]
        assert call(url, "GET", "/old").status == 200
        (root / "tether.yaml").write_text(
            (root / "tether.yaml").read_text().replace("GET /old", "GET /new/{id}")
        )
        second = deploy(load_project(root), stage="dev", target="local")
    assert second.outputs["WebHttpApiUrl"] == url
    assert call(url, "GET", "/old").status == 404
    reply = call(url, "GET", "/new/5")
    assert reply.json()["pathParameters"] == {"id": "5"}
