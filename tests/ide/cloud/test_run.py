"""Run and test from the IDE against a deployed stage: generated events, invoke with its logs
and the error's traceback in the project's files, saved test cases, logs, and the HTTP request
tool (which sends only to the stage's own local API)."""

from __future__ import annotations

import time

from tests.ide.cloud.conftest import CloudIde
from tether.invoke.events import KINDS


def test_events_new_gives_every_kind_with_the_stage_names(cloud_ide: CloudIde) -> None:
    outputs = cloud_ide.deployed()["outputs"]
    assert cloud_ide.get("/api/events/kinds").json == {"kinds": list(KINDS)}
    for kind in KINDS:
        reply = cloud_ide.get(f"/api/events/new?kind={kind}")
        assert reply.status == 200, (kind, reply.body)
        assert reply.json["event"], kind
    s3 = cloud_ide.get("/api/events/new?kind=s3-created&resource=uploads").json["event"]
    assert s3["Records"][0]["s3"]["bucket"]["name"] == outputs["UploadsBucketName"]
    wrong = cloud_ide.get("/api/events/new?kind=sqs&resource=uploads")
    assert wrong.status == 400 and "not a sqs.queue" in wrong.json["message"]


def test_invoke_with_a_generated_event_gives_the_result_and_logs(cloud_ide: CloudIde) -> None:
    cloud_ide.deployed()
    event = cloud_ide.get("/api/events/new?kind=http").json["event"]
    answer = cloud_ide.request("POST", "/api/invoke", {"function": "api", "event": event}).json
    assert answer["function"] == "api" and answer["error"] is None
    assert answer["result"]["statusCode"] == 404  # no order "example" yet
    assert "START RequestId" in answer["logs"] and answer["milliseconds"] > 0
    assert answer["trace"] == []
    # and its lines are in the function's logs
    lines = cloud_ide.get("/api/logs?function=api&since=600").json["lines"]
    assert any(line.startswith("START RequestId") for line in lines)
    assert any(line.startswith("REPORT RequestId") for line in lines)


def test_an_invoke_error_links_its_traceback_to_the_project_files(cloud_ide: CloudIde) -> None:
    cloud_ide.deployed()
    answer = cloud_ide.request(
        "POST", "/api/invoke", {"function": "api", "event": {"pathParameters": {"id": 5}}}
    ).json
    assert answer["error"] == "Unhandled"
    assert answer["result"]["errorType"] == "ParamValidationError"
    line = next(
        n
        for n, text in enumerate((cloud_ide.root / "app/api.py").read_text().splitlines(), 1)
        if "dynamodb.get_item(" in text
    )
    assert answer["trace"] == [
        {
            "file": "app/api.py",
            "line": line,
            "text": 'found = dynamodb.get_item(TableName=ORDERS_TABLE, Key={"id": {"S": order_id}})',
            "function": "handler",
        }
    ]
    missing = cloud_ide.request("POST", "/api/invoke", {"function": "nope", "event": {}})
    assert missing.status == 404


def test_save_a_test_case_then_run_it_and_a_failing_one(cloud_ide: CloudIde) -> None:
    cloud_ide.deployed()
    event = cloud_ide.get("/api/events/new?kind=http").json["event"]
    saved = cloud_ide.request(
        "POST",
        "/api/tests",
        {
            "name": "missing-order",
            "function": "api",
            "event": event,
            "expect": {"result": {"statusCode": 404}},
        },
    )
    assert saved.json == {"file": "events/missing-order.test.yaml"}
    again = cloud_ide.request("POST", "/api/tests", {"name": "missing-order", "function": "api"})
    assert again.status == 409 and again.json["error"] == "conflict"
    wrong = {
        "name": "wrong",
        "function": "api",
        "event": event,
        "expect": {"result": {"statusCode": 200}},
    }
    assert cloud_ide.request("POST", "/api/tests", wrong).status == 200
    escape = cloud_ide.request("POST", "/api/tests", {"name": "../x", "function": "api"})
    assert escape.status == 400

    listed = cloud_ide.get("/api/tests").json
    assert {
        "name": "events/missing-order.test.yaml",
        "file": "events/missing-order.test.yaml",
        "function": "api",
    } in listed["cases"]
    assert listed["problems"] == []

    with cloud_ide.events() as events:
        ran = cloud_ide.request(
            "POST", "/api/tests/run", {"names": ["missing-order", "events/wrong.test.yaml"]}
        ).json
        pushed = events.until(lambda m: m["type"] == "tests")
    assert (ran["passed"], ran["failed"]) == (1, 1)
    ok, failed = ran["outcomes"]
    assert ok["name"] == "events/missing-order.test.yaml" and ok["passed"] is True
    assert ok["failures"] == [] and "START RequestId" in ok["logs"]
    assert failed["passed"] is False
    assert failed["failures"][0].startswith('result: expected to contain {"statusCode": 200}')
    assert pushed["name"] == ok["name"]

    everything = cloud_ide.request("POST", "/api/tests/run", {"names": None}).json
    cases = list((cloud_ide.root / "events").rglob("*.test.yaml"))
    assert len(everything["outcomes"]) == len(cases)  # the example's cases as well


def test_the_request_tool_reaches_the_stage_api_and_nothing_else(cloud_ide: CloudIde) -> None:
    outputs = cloud_ide.deployed()["outputs"]
    answer = cloud_ide.request(
        "POST",
        "/api/http",
        {
            "function": "api",
            "method": "GET",
            "path": "/orders/cat",
            "headers": {"accept": "application/json"},
        },
    ).json
    assert answer["status"] == 404
    assert answer["url"] == outputs["WebHttpApiUrl"].rstrip("/") + "/orders/cat"
    assert "not found" in answer["body"] and answer["headers"]["content-type"] == "application/json"
    by_api = cloud_ide.request("POST", "/api/http", {"api": "web", "path": "/nothing-here"}).json
    assert by_api["status"] == 404 and by_api["body"] == '{"message":"Not Found"}'
    for path in ("http://169.254.169.254/latest/meta-data", "//evil.example/x", "orders", "/a b"):
        refused = cloud_ide.request("POST", "/api/http", {"api": "web", "path": path})
        assert refused.status == 400, path
        assert refused.json["error"] == "invalid"
    foreign = cloud_ide.request("POST", "/api/http", {"api": "https://evil.example", "path": "/"})
    assert foreign.status == 404


def test_following_logs_pushes_new_lines(cloud_ide: CloudIde) -> None:
    cloud_ide.deployed()
    with cloud_ide.events() as events:
        assert cloud_ide.request("POST", "/api/logs/follow", {"function": "api"}).json == {
            "function": "api"
        }
        time.sleep(0.3)
        cloud_ide.request("POST", "/api/invoke", {"function": "api", "event": {}})
        pushed = events.until(lambda m: m["type"] == "logs" and m["lines"])
        assert pushed["function"] == "api"
    assert cloud_ide.request("POST", "/api/logs/follow", {"function": None}).json == {
        "function": None
    }


def test_existing_resources_are_listed_from_the_local_cloud_and_become_external(
    cloud_ide: CloudIde, local_cloud: str
) -> None:
    from tests.helpers import local_session

    session = local_session()
    session.client("s3", endpoint_url=local_cloud).create_bucket(Bucket="acme-shared-archive")
    queue = session.client("sqs", endpoint_url=local_cloud).create_queue(QueueName="acme-orders")
    buckets = cloud_ide.get("/api/authoring/existing?type=s3.bucket").json
    assert buckets["target"] == "local"
    assert {"name": "acme-shared-archive", "arn": "arn:aws:s3:::acme-shared-archive"} in buckets[
        "items"
    ]
    queues = cloud_ide.get("/api/authoring/existing?type=sqs.queue").json["items"]
    found = next(q for q in queues if q["name"] == "acme-orders")
    assert found["arn"].endswith(":acme-orders") and queue["QueueUrl"]
    refused = cloud_ide.get("/api/authoring/existing?type=schedule")
    assert refused.status == 422 and refused.json["field"] == "type"

    body = {
        "action": "add_resource",
        "name": "shared",
        "type": "s3.bucket",
        "external": "acme-shared-archive",
    }
    applied = cloud_ide.request("POST", "/api/authoring/apply", body)
    assert applied.status == 200, applied.json
    assert (
        "shared: {type: s3.bucket, external: acme-shared-archive}"
        in (cloud_ide.root / "tether.yaml").read_text()
    )
