"""Sample events look like what AWS sends, and carry the project's own names."""

from __future__ import annotations

import pytest

from tether import Project
from tether.errors import OptionError
from tether.invoke.events import KINDS, Names, sample_event

DEPLOYED = {
    "UploadsBucketName": "photos-dev-uploads-123456789012-us-east-1",
    "WorkQueueArn": "arn:aws:sqs:us-east-1:123456789012:photos-dev-WorkQueue-X",
    "OrdersTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders-x",
    "OrdersTableStreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders-x/stream/1",
    "NightlyScheduleArn": "arn:aws:events:us-east-1:123456789012:rule/nightly-x",
    "WebHttpApiUrl": "http://127.0.0.1:4600/",
}


def names(photos: Project) -> Names:
    return Names(
        photos,
        lambda resource, suffix: DEPLOYED[f"{photos.resources[resource].logical_id}{suffix}"],
    )


def test_s3_event_uses_the_trigger_prefix_suffix_and_the_deployed_bucket(photos: Project) -> None:
    (record,) = sample_event(photos, "s3-created", names=names(photos))["Records"]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == DEPLOYED["UploadsBucketName"]
    assert record["s3"]["object"]["key"] == "incoming/example.jpg"
    removed = sample_event(photos, "s3-removed", key="incoming/a b.jpg")["Records"][0]
    assert removed["eventName"] == "ObjectRemoved:Delete"
    assert removed["s3"]["object"]["key"] == "incoming/a+b.jpg"  # keys arrive URL-encoded


def test_queue_topic_and_stream_events_name_their_source(photos: Project) -> None:
    sqs = sample_event(photos, "sqs", names=names(photos), body='{"id": "cat"}')["Records"][0]
    assert sqs["eventSourceARN"] == DEPLOYED["WorkQueueArn"] and sqs["body"] == '{"id": "cat"}'
    stream = sample_event(photos, "dynamodb-modify", names=names(photos))["Records"][0]
    assert stream["eventSourceARN"] == DEPLOYED["OrdersTableStreamArn"]
    assert stream["eventName"] == "MODIFY"
    assert set(stream["dynamodb"]) >= {"Keys", "NewImage", "OldImage"}
    assert stream["dynamodb"]["Keys"] == {"id": {"S": "example"}}
    insert = sample_event(photos, "dynamodb-insert")["Records"][0]["dynamodb"]
    assert "NewImage" in insert and "OldImage" not in insert


def test_schedule_and_http_events(photos: Project) -> None:
    scheduled = sample_event(photos, "schedule", names=names(photos))
    assert scheduled["detail-type"] == "Scheduled Event"
    assert scheduled["resources"] == [DEPLOYED["NightlyScheduleArn"]]
    http = sample_event(photos, "http", names=names(photos))
    assert http["version"] == "2.0" and http["routeKey"] == "GET /orders/{id}"
    assert http["pathParameters"] == {"id": "example"}
    assert http["rawPath"] == "/orders/example"
    assert http["requestContext"]["http"]["method"] == "GET"


def test_every_kind_builds_for_the_example(photos: Project) -> None:
    for kind in KINDS:
        assert sample_event(photos, kind), kind


def test_wrong_resource_for_the_kind_is_a_clear_error(photos: Project) -> None:
    with pytest.raises(OptionError) as error:
        sample_event(photos, "sqs", resource="uploads")
    assert "--resource uploads: not a sqs.queue" in error.value.message
    assert "work" in error.value.hint
