"""Queue and topic triggers: an SQS batch with a bad message keeps only that message (partial
batch failure), which comes back after the visibility timeout; an SNS publish runs the
subscribed function with SNS's event."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.localcloud.helpers import Client
from tests.runtime.helpers import deploy_project, make_project, object_body, stage, wait_for
from tether.localcloud import LocalCloud

PROJECT = """
name: rtsrc
resources:
  jobs: {type: sqs.queue, visibility_timeout: 5}
  news: {type: sns.topic}
  marks: {type: s3.bucket}
  drop: {type: s3.bucket}
functions:
  consume:
    handler: app/consume.handler
    timeout: 3
    triggers: [{resource: jobs, batch_size: 10, batch_window: 1}]
    operations: [{resource: marks, actions: ["s3:PutObject"]}]
  listen:
    handler: app/listen.handler
    triggers: [{resource: news}]
    operations: [{resource: marks, actions: ["s3:PutObject"]}]
  watch:
    handler: app/watch.handler
    triggers: [{resource: drop, events: [created], prefix: in/}]
    operations: [{resource: marks, actions: ["s3:PutObject"]}]
"""

CONSUME = """
import json, os
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            job = json.loads(record["body"])
        except ValueError:
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        s3.put_object(
            Bucket=os.environ["MARKS_BUCKET"],
            Key="jobs/" + job["id"],
            Body=json.dumps({"batch": len(event["Records"]), "record": record}),
        )
    return {"batchItemFailures": failures}
"""

LISTEN = """
import json, os
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    record = event["Records"][0]
    s3.put_object(
        Bucket=os.environ["MARKS_BUCKET"], Key="news/" + record["Sns"]["MessageId"],
        Body=json.dumps(event),
    )
"""


WATCH = """
import json, os
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=os.environ["MARKS_BUCKET"], Key="s3/event", Body=json.dumps(event))
"""


@pytest.fixture(scope="module")
def sources(
    tmp_path_factory: pytest.TempPathFactory, cloud: LocalCloud, cloud_home: Path
) -> dict[str, str]:
    root = make_project(
        tmp_path_factory.mktemp("sources") / "rtsrc",
        PROJECT,
        {"app/consume.py": CONSUME, "app/listen.py": LISTEN, "app/watch.py": WATCH},
    )
    return deploy_project(root, stage(), cloud_home)


def test_a_failed_message_of_a_batch_returns_to_the_queue_and_good_ones_are_deleted(
    aws: Client, sources: dict[str, str]
) -> None:
    sqs, s3, lam = aws("sqs"), aws("s3"), aws("lambda")
    queue, bucket = sources["JobsQueueUrl"], sources["MarksBucketName"]
    sent = time.monotonic()
    sqs.send_message_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": "a", "MessageBody": json.dumps({"id": "a"})},
            {"Id": "bad", "MessageBody": "{this is not json"},
            {"Id": "b", "MessageBody": json.dumps({"id": "b"})},
        ],
    )
    marks = [wait_for(lambda key=key: object_body(s3, bucket, key)) for key in ("jobs/a", "jobs/b")]
    records = [json.loads(mark) for mark in marks]
    assert [r["batch"] for r in records] == [3, 3]  # one batch, partially failed
    record = records[0]["record"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == sources["JobsQueueArn"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["body"] == json.dumps({"id": "a"})

    # Stop the trigger, then look at the queue as a user would.
    (mapping,) = lam.list_event_source_mappings(EventSourceArn=sources["JobsQueueArn"])[
        "EventSourceMappings"
    ]
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    assert time.monotonic() - sent < 5  # still within the bad message's visibility timeout
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"

    def back() -> list[dict[str, Any]]:
        answer = sqs.receive_message(
            QueueUrl=queue, AttributeNames=["ApproximateReceiveCount"], WaitTimeSeconds=1
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages

    (message,) = wait_for(back, timeout=10)
    assert message["Body"] == "{this is not json"
    assert int(message["Attributes"]["ApproximateReceiveCount"]) >= 2
    assert time.monotonic() - sent >= 4.5  # not before the visibility timeout ended


def test_an_sns_publish_runs_the_subscribed_function_with_snss_event(
    aws: Client, sources: dict[str, str]
) -> None:
    s3, topic = aws("s3"), sources["NewsTopicArn"]
    message_id = aws("sns").publish(
        TopicArn=topic,
        Subject="Hello",
        Message="the news",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "breaking"}},
    )["MessageId"]
    body = wait_for(lambda: object_body(s3, sources["MarksBucketName"], f"news/{message_id}"))
    (record,) = json.loads(body)["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"].startswith(topic + ":")
    sns = record["Sns"]
    assert sns["Type"] == "Notification"
    assert (sns["TopicArn"], sns["MessageId"]) == (topic, message_id)
    assert (sns["Subject"], sns["Message"]) == ("Hello", "the news")
    assert sns["MessageAttributes"] == {"kind": {"Type": "String", "Value": "breaking"}}


def test_an_upload_runs_the_function_with_a_real_s3_event(
    aws: Client, sources: dict[str, str]
) -> None:
    s3, bucket = aws("s3"), sources["DropBucketName"]
    put = s3.put_object(Bucket=bucket, Key="in/a photo+1.jpg", Body=b"12345")
    body = wait_for(lambda: object_body(s3, sources["MarksBucketName"], "s3/event"))
    (record,) = json.loads(body)["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == "us-east-1"
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert record["s3"]["object"]["key"] == "in/a+photo%2B1.jpg"  # URL-encoded, as S3 sends it
    assert record["s3"]["object"]["size"] == 5
    assert record["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    assert record["s3"]["object"]["sequencer"]
