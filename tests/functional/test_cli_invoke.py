"""The test loop as a user runs it on a deployed examples/photos: triggers fire the real code,
and invoke, logs, test, events new and the local HTTP URL work from the command line."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.helpers import local_session, tether

# A tiny baseline JPEG: SOI, then a SOF0 frame header for 32 x 24 pixels.
JPEG = bytes.fromhex("ffd8ffc0000b080018002003012200ffd9")


def aws(endpoint: str, service: str) -> Any:
    return local_session().client(service, endpoint_url=endpoint)


def wait_for(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
            if value:
                return value
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the side effect")
        time.sleep(0.2)


def deploy(project: Path, stage: str) -> dict[str, str]:
    result = tether("deploy", "--stage", stage, "--yes", cwd=project)
    assert result.returncode == 0, result.stderr
    outputs = tether("outputs", "--stage", stage, "--json", cwd=project)
    return dict(json.loads(outputs.stdout))


def test_upload_flows_through_resize_stream_and_api(local_cloud: str, photos_copy: Path) -> None:
    outputs = deploy(photos_copy, "flow")
    aws(local_cloud, "s3").put_object(
        Bucket=outputs["UploadsBucketName"], Key="incoming/cat.jpg", Body=JPEG
    )
    thumbs = aws(local_cloud, "s3")
    wait_for(lambda: thumbs.head_object(Bucket=outputs["ThumbsBucketName"], Key="thumbs/cat.jpg"))
    table = aws(local_cloud, "dynamodb")
    item = wait_for(
        lambda: table.get_item(TableName=outputs["OrdersTableName"], Key={"id": {"S": "cat"}}).get(
            "Item"
        )
    )
    assert item["width"] == {"N": "32"} and item["height"] == {"N": "24"}

    # the queue worker processes the message resize sent
    wait_for(
        lambda: (
            table.get_item(TableName=outputs["OrdersTableName"], Key={"id": {"S": "cat"}})["Item"][
                "status"
            ]
            == {"S": "processed"}
        )
    )

    # the HTTP API answers on the local URL from the outputs
    with urllib.request.urlopen(
        f"{outputs['WebHttpApiUrl'].rstrip('/')}/orders/cat", timeout=10
    ) as response:
        assert response.status == 200
        assert json.loads(response.read())["id"] == "cat"
    try:
        urllib.request.urlopen(f"{outputs['WebHttpApiUrl'].rstrip('/')}/nothing-here", timeout=10)
        raise AssertionError("expected a 404")
    except urllib.error.HTTPError as error:
        assert error.code == 404

    # a saved test case checks the result and the side effects
    (photos_copy / "events" / "cat.test.yaml").write_text(
        "function: api\n"
        "event: {pathParameters: {id: cat}, rawPath: /orders/cat}\n"
        "expect:\n"
        "  result: {statusCode: 200}\n"
        "  objects: [{bucket: thumbs, key: thumbs/cat.jpg}]\n"
        "  items: [{table: orders, key: {id: cat}, match: {status: processed, width: 32}}]\n"
    )
    # report writes to the external acme-archive, which this local cloud lacks on purpose
    (photos_copy / "events" / "report.test.yaml").unlink()
    junit = photos_copy / "report.xml"
    result = tether("test", "--stage", "flow", "--junit", str(junit), cwd=photos_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "events/cat.test.yaml::api PASSED" in result.stdout
    assert "events/get-order-missing.test.yaml::api PASSED" in result.stdout
    assert "events/order-stream.test.yaml::notify PASSED" in result.stdout
    assert 'failures="0"' in junit.read_text()


def test_invoke_prints_result_and_logs_and_exits_1_on_failure(
    local_cloud: str, photos_copy: Path
) -> None:
    deploy(photos_copy, "inv")
    ok = tether(
        "invoke", "api", "--stage", "inv", "--event", "events/get-order.json", cwd=photos_copy
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["statusCode"] == 404
    assert "START RequestId" in ok.stderr and "REPORT RequestId" in ok.stderr

    # the nightly report writes to the external archive bucket, which does not exist here
    failed = tether("invoke", "report", "--stage", "inv", "--schedule", "--json", cwd=photos_copy)
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    assert report["error"] == "Unhandled"
    assert "NoSuchBucket" in report["result"]["errorMessage"]

    aws(local_cloud, "s3").create_bucket(Bucket="acme-archive")
    fired = tether("invoke", "report", "--stage", "inv", "--schedule", cwd=photos_copy)
    assert fired.returncode == 0, fired.stdout + fired.stderr

    logs = tether("logs", "report", "--stage", "inv", "--since", "5m", cwd=photos_copy)
    assert logs.returncode == 0
    assert logs.stdout.count("START RequestId") >= 2
    assert "NoSuchBucket" in logs.stdout


def test_failing_test_case_is_reported_with_the_difference(
    local_cloud: str, photos_copy: Path
) -> None:
    deploy(photos_copy, "cases")
    (photos_copy / "events" / "wrong.test.yaml").write_text(
        "function: api\nevent: get-order.json\nexpect:\n  result: {statusCode: 200}\n"
    )
    result = tether("test", "wrong", "--stage", "cases", cwd=photos_copy)
    assert result.returncode == 1
    assert "events/wrong.test.yaml::api FAILED" in result.stdout
    assert 'expected to contain {"statusCode": 200}' in result.stdout
    assert "1 failed, 0 passed" in result.stdout


def test_events_new_uses_the_deployed_names(local_cloud: str, photos_copy: Path) -> None:
    outputs = deploy(photos_copy, "ev")
    result = tether(
        "events", "new", "s3-created", "--stage", "ev", "-o", "events/new.json", cwd=photos_copy
    )
    assert result.returncode == 0, result.stderr
    event = json.loads((photos_copy / "events" / "new.json").read_text())
    assert event["Records"][0]["s3"]["bucket"]["name"] == outputs["UploadsBucketName"]
    sqs = json.loads(
        tether("events", "new", "sqs", "--stage", "ev", "--body", "hi", cwd=photos_copy).stdout
    )
    assert sqs["Records"][0]["eventSourceARN"] == outputs["WorkQueueArn"]


def test_logs_says_when_there_is_nothing_to_show(local_cloud: str, photos_copy: Path) -> None:
    deploy(photos_copy, "quiet")
    empty = tether("logs", "api", "--stage", "quiet", cwd=photos_copy)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout == ""
    assert empty.stderr == (
        "no log events for function api in the last 10 minutes (stage quiet on local)\n"
    )
    longer = tether("logs", "api", "--stage", "quiet", "--since", "1h", cwd=photos_copy)
    assert "in the last 1 hour (stage quiet on local)" in longer.stderr

    invoked = tether(
        "invoke", "api", "--stage", "quiet", "--event", "events/get-order.json", cwd=photos_copy
    )
    assert invoked.returncode == 0, invoked.stderr
    logged = tether("logs", "api", "--stage", "quiet", cwd=photos_copy)
    assert logged.stdout.startswith("START RequestId: ")
    assert logged.stderr == ""
