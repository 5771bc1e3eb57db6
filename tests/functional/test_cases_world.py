"""Saved test cases that set up their own world, on a deployed examples/photos: every function's
cases pass after a deploy, the README's examples pass as written, the consumers a case pauses
are running again afterwards (even after a failure, SIGTERM or a run that died), and cleanup
leaves the stage as it found it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, local_session, tether

ARCHIVE = "acme-archive"  # photos' external bucket: not created by a deploy


def aws(endpoint: str, service: str) -> Any:
    return local_session().client(service, endpoint_url=endpoint)


def deploy(project: Path, stage: str) -> dict[str, str]:
    result = tether("deploy", "--stage", stage, "--yes", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = tether("outputs", "--stage", stage, "--json", cwd=project)
    return dict(json.loads(outputs.stdout))


@pytest.fixture
def archive(local_cloud: str) -> Iterator[None]:
    """The external archive bucket, created here (a deploy does not) and removed afterwards, so
    other tests on this local cloud still see it missing."""
    s3 = aws(local_cloud, "s3")
    s3.create_bucket(Bucket=ARCHIVE)
    try:
        yield
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=ARCHIVE):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=ARCHIVE, Key=obj["Key"])
        s3.delete_bucket(Bucket=ARCHIVE)


def mappings(endpoint: str, outputs: dict[str, str]) -> dict[str, str]:
    """State of each of the stage's event source mappings, by source: work, orders."""
    client = aws(endpoint, "lambda")
    sources = {"work": outputs["WorkQueueArn"], "orders": outputs["OrdersTableStreamArn"]}
    return {
        name: client.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"][0][
            "State"
        ]
        for name, arn in sources.items()
    }


def leftovers(endpoint: str, outputs: dict[str, str]) -> list[str]:
    """What cases left on the stage under their cases/ names."""
    s3, dynamodb = aws(endpoint, "s3"), aws(endpoint, "dynamodb")
    found = [
        f"uploads/{o['Key']}"
        for o in s3.list_objects_v2(Bucket=outputs["UploadsBucketName"]).get("Contents", [])
        if o["Key"].startswith("cases/")
    ]
    found += [
        f"thumbs/{o['Key']}"
        for o in s3.list_objects_v2(Bucket=outputs["ThumbsBucketName"]).get("Contents", [])
    ]
    found += [
        f"orders/{item['id']['S']}"
        for item in dynamodb.scan(TableName=outputs["OrdersTableName"])["Items"]
        if item["id"]["S"].startswith("cases")
    ]
    return found


def test_every_function_has_a_case_and_all_pass_after_a_deploy(
    local_cloud: str, photos_copy: Path, archive: None
) -> None:
    outputs = deploy(photos_copy, "world")
    result = tether("test", "--stage", "world", cwd=photos_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.findall(r"^events/\S+::(\w+) PASSED", result.stdout, re.MULTILINE)
    assert set(passed) == {"resize", "api", "worker", "notify", "report"}
    assert "FAILED" not in result.stdout
    # cleanup removed what the cases set up and expected; the paused consumers run again
    assert leftovers(local_cloud, outputs) == []
    assert mappings(local_cloud, outputs) == {"work": "Enabled", "orders": "Enabled"}
    assert not list((photos_copy / ".tether" / "world" / "paused").glob("*.json"))
    # the report case wrote to the external bucket, which cleanup never touches
    aws(local_cloud, "s3").head_object(Bucket=ARCHIVE, Key="reports/2024-05-02.json")


def readme_cases() -> list[str]:
    """The YAML examples of test cases in README.md's section on them."""
    text = (REPO / "README.md").read_text()
    section = text.split("### Test cases", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    return [block for block in blocks if block.startswith("function:")]


def test_the_readme_examples_pass_as_written(local_cloud: str, photos_copy: Path) -> None:
    examples = readme_cases()
    assert len(examples) >= 2 and any("messages:" in e for e in examples)
    assert any("eventually:" in e for e in examples)
    for number, example in enumerate(examples, 1):
        (photos_copy / "events" / f"readme-{number}.test.yaml").write_text(example)
    outputs = deploy(photos_copy, "readme")
    result = tether("test", "readme-", "--stage", "readme", cwd=photos_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == len(examples)
    assert leftovers(local_cloud, outputs) == []


def wait_for(check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_a_failing_case_resumes_the_consumer_which_then_takes_what_was_left(
    local_cloud: str, photos_copy: Path
) -> None:
    outputs = deploy(photos_copy, "fail")
    (photos_copy / "events" / "fox.test.yaml").write_text(
        "function: resize\n"
        "given:\n"
        "  objects: [{bucket: uploads, key: cases/fox.jpg, file: cat.jpg}]\n"
        "sample: {kind: s3-created, key: cases/fox.jpg}\n"
        "expect:\n"
        "  messages: [{queue: work, match: {id: cases/wolf}}]\n"
    )
    result = tether("test", "fox", "--stage", "fail", cwd=photos_copy)
    assert result.returncode == 1
    assert "events/fox.test.yaml::resize FAILED" in result.stdout
    assert (
        'no message matching {"id": "cases/wolf"} on queue work: 1 sent during the case: '
        '{"id": "cases/fox", "action": "process"}' in result.stdout
    )
    assert mappings(local_cloud, outputs) == {"work": "Enabled", "orders": "Enabled"}
    # the message the case looked at went back to the queue, and worker, resumed, took it
    table = aws(local_cloud, "dynamodb")
    wait_for(
        lambda: (
            table.get_item(TableName=outputs["OrdersTableName"], Key={"id": {"S": "cases/fox"}})
            .get("Item", {})
            .get("status")
            == {"S": "processed"}
        )
    )


def run_in_background(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tether.cli.main", *args],
        cwd=project,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# A case that keeps `work` paused for a minute: it waits for a message nobody sends.
WAITING = (
    "function: api\n"
    "event: get-order.json\n"
    "expect:\n"
    "  result: {statusCode: 404}\n"
    "  messages: [{queue: work, match: {never: sent}}]\n"
    "  eventually: 60s\n"
)


def test_sigterm_in_the_middle_of_a_case_resumes_the_consumers(
    local_cloud: str, photos_copy: Path
) -> None:
    outputs = deploy(photos_copy, "term")
    (photos_copy / "events" / "waiting.test.yaml").write_text(WAITING)
    running = run_in_background(photos_copy, "test", "waiting", "--stage", "term")
    try:
        wait_for(lambda: mappings(local_cloud, outputs)["work"] == "Disabled")
        running.send_signal(signal.SIGTERM)
        running.wait(timeout=30)
    finally:
        running.kill()
    assert running.returncode != 0
    assert mappings(local_cloud, outputs)["work"] == "Enabled"
    assert not list((photos_copy / ".tether" / "term" / "paused").glob("*.json"))


def test_what_a_killed_run_left_paused_is_resumed_by_the_next_run(
    local_cloud: str, photos_copy: Path
) -> None:
    outputs = deploy(photos_copy, "kill")
    (photos_copy / "events" / "waiting.test.yaml").write_text(WAITING)
    running = run_in_background(photos_copy, "test", "waiting", "--stage", "kill")
    try:
        wait_for(lambda: mappings(local_cloud, outputs)["work"] == "Disabled")
    finally:
        running.kill()  # SIGKILL: nothing of it runs any more
        running.wait(timeout=30)
    (journal,) = (photos_copy / ".tether" / "kill" / "paused").glob("*.json")
    assert json.loads(journal.read_text())["consumers"][0]["function"] == "worker"
    assert mappings(local_cloud, outputs)["work"] == "Disabled"

    result = tether("test", "get-order-missing", "--stage", "kill", cwd=photos_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert mappings(local_cloud, outputs)["work"] == "Enabled"
    assert not journal.exists()


def test_given_messages_wait_for_the_case_and_a_failed_setup_is_cleaned_up(
    local_cloud: str, photos_copy: Path
) -> None:
    outputs = deploy(photos_copy, "given")
    events = photos_copy / "events"
    # the message is set up for the case; worker, paused, never sees it, and cleanup removes it
    (events / "ghost.test.yaml").write_text(
        "function: api\n"
        "given:\n"
        "  messages: [{queue: work, body: {id: cases/ghost, action: process}}]\n"
        "event: {pathParameters: {id: cases/ghost}}\n"
        "expect:\n"
        "  result: {statusCode: 404}\n"
        "cleanup: true\n"
    )
    # DynamoDB refuses an empty key: the setup stops there, and what it made is removed
    (events / "broken.test.yaml").write_text(
        "function: api\n"
        "given:\n"
        "  objects: [{bucket: uploads, key: cases/half.txt, body: made before the failure}]\n"
        "  items: [{table: orders, item: {id: ''}}]\n"
        "cleanup: true\n"
    )
    result = tether("test", "--stage", "given", "ghost", cwd=photos_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    attributes = aws(local_cloud, "sqs").get_queue_attributes(
        QueueUrl=outputs["WorkQueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attributes == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }

    result = tether("test", "--stage", "given", "broken", cwd=photos_copy)
    assert result.returncode == 1
    assert "events/broken.test.yaml::api FAILED" in result.stdout
    assert "given (events/broken.test.yaml:4): cannot put the item in table orders" in result.stdout
    assert "the case did not run" in result.stdout
    assert leftovers(local_cloud, outputs) == []
