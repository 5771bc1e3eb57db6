"""Every trigger of the example app runs its real code on the local cloud: an upload makes a
thumbnail and an order, the order's stream record raises an alert, the work queue marks it
processed."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLE
from tests.localcloud.helpers import Client, unique
from tests.runtime.helpers import deploy_project, object_body, stage, wait_for
from tether.localcloud import LocalCloud


def tiny_jpeg(width: int, height: int) -> bytes:
    """Start of image, a baseline frame header with the size, end of image."""
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(frame) + 2) + frame + b"\xff\xd9"


@pytest.fixture(scope="module")
def photos(
    tmp_path_factory: pytest.TempPathFactory, cloud: LocalCloud, cloud_home: Path, aws: Client
) -> dict[str, str]:
    """A deployed copy of examples/photos, with a queue subscribed to its alerts topic."""
    root = tmp_path_factory.mktemp("photos") / "photos"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    outputs = deploy_project(root, stage(), cloud_home)
    sqs = aws("sqs")
    alerts = sqs.create_queue(QueueName=unique("alerts"))["QueueUrl"]
    alerts_arn = sqs.get_queue_attributes(QueueUrl=alerts, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    aws("sns").subscribe(TopicArn=outputs["AlertsTopicArn"], Protocol="sqs", Endpoint=alerts_arn)
    return {**outputs, "alerts": alerts}


def order(aws: Client, table: str, order_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        aws("dynamodb")
        .get_item(TableName=table, Key={"id": {"S": order_id}}, ConsistentRead=True)
        .get("Item")
    )
    return item


def alerts(aws: Client, queue: str, wanted: int) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []

    def more() -> list[dict[str, Any]] | None:
        answer = aws("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        received.extend(json.loads(m["Body"]) for m in answer.get("Messages", []))
        return received if len(received) >= wanted else None

    return wait_for(more)


def test_an_upload_runs_resize_worker_and_notify_end_to_end(
    aws: Client, photos: dict[str, str]
) -> None:
    s3 = aws("s3")
    image = tiny_jpeg(32, 16)
    s3.put_object(Bucket=photos["UploadsBucketName"], Key="incoming/cat.jpg", Body=image)

    # resize: a real S3 event (bucket, URL-encoded key) -> thumbnail with the JPEG's size
    thumb = wait_for(lambda: object_body(s3, photos["ThumbsBucketName"], "thumbs/cat.jpg"))
    assert thumb == image
    head = s3.head_object(Bucket=photos["ThumbsBucketName"], Key="thumbs/cat.jpg")
    assert head["Metadata"] == {"width": "32", "height": "16", "source": "incoming/cat.jpg"}

    # resize -> order in the table -> work queue -> worker marks it processed
    processed = wait_for(
        lambda: (
            (found := order(aws, photos["OrdersTableName"], "cat"))
            and found["status"]["S"] == "processed"
            and found
        )
    )
    assert processed["source"]["S"] == "incoming/cat.jpg"
    assert processed["width"]["N"] == "32"

    # the stream consumer saw both status changes and published them to the alerts topic
    messages = alerts(aws, photos["alerts"], 2)
    subjects = sorted(m["Subject"] for m in messages)
    assert subjects == ["Order cat is processed", "Order cat is uploaded"]
    bodies = sorted((json.loads(m["Message"]) for m in messages), key=lambda b: b["status"])
    assert bodies == [
        {"id": "cat", "status": "processed", "previous": "uploaded"},
        {"id": "cat", "status": "uploaded", "previous": None},
    ]


def test_only_uploads_matching_the_trigger_filter_run_resize(
    aws: Client, photos: dict[str, str]
) -> None:
    s3 = aws("s3")
    s3.put_object(Bucket=photos["UploadsBucketName"], Key="other/dog.jpg", Body=tiny_jpeg(1, 1))
    s3.put_object(Bucket=photos["UploadsBucketName"], Key="incoming/dog.png", Body=b"png")
    # A key with a space reaches the handler URL-encoded, and it decodes it.
    s3.put_object(
        Bucket=photos["UploadsBucketName"], Key="incoming/my ok.jpg", Body=tiny_jpeg(2, 2)
    )
    wait_for(lambda: object_body(s3, photos["ThumbsBucketName"], "thumbs/my ok.jpg"))
    assert object_body(s3, photos["ThumbsBucketName"], "thumbs/dog.jpg") is None
    assert object_body(s3, photos["ThumbsBucketName"], "thumbs/dog.png") is None


def test_a_message_on_the_work_queue_runs_the_worker(aws: Client, photos: dict[str, str]) -> None:
    table = photos["OrdersTableName"]
    aws("dynamodb").put_item(
        TableName=table, Item={"id": {"S": "owl"}, "status": {"S": "uploaded"}}
    )
    aws("sqs").send_message(
        QueueUrl=photos["WorkQueueUrl"], MessageBody=json.dumps({"id": "owl", "action": "process"})
    )
    done = wait_for(
        lambda: (found := order(aws, table, "owl")) and found["status"]["S"] == "processed"
    )
    assert done
