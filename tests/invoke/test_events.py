"""Sample events look like what AWS sends, and carry the project's own names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_project
from tether import Project
from tether.errors import OptionError
from tether.invoke.events import KINDS, Names, sample_event
from tether.loading import load

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


# A project whose first resource of each kind does not trigger anything (it is only called, or
# unused): the sample must come from the one that does.
TRIGGERS = """
name: shop
resources:
  receipts: {type: s3.bucket}
  uploads: {type: s3.bucket}
  trash: {type: s3.bucket}
  outbox: {type: sqs.queue}
  jobs: {type: sqs.queue}
  audit: {type: dynamodb.table, key: {id: S}}
  plain: {type: dynamodb.table, key: {id: S}, stream: new_image}
  orders: {type: dynamodb.table, key: {shop: S, at: N}, stream: new_and_old_images}
  news: {type: sns.topic}
  alerts: {type: sns.topic}
  weekly: {type: schedule, expression: "rate(7 days)"}
  nightly: {type: schedule, expression: "rate(1 day)"}
  admin: {type: http.api}
  web: {type: http.api}
functions:
  writer:
    handler: app/writer.handler
    operations:
      - {resource: receipts, actions: ["s3:PutObject"]}
      - {resource: outbox, actions: ["sqs:SendMessage"]}
      - {resource: audit, actions: ["dynamodb:PutItem"]}
      - {resource: news, actions: ["sns:Publish"]}
  scan:
    handler: app/scan.handler
    triggers:
      - {resource: uploads, events: [created], prefix: photos/raw/, suffix: .png}
      - {resource: trash, events: [removed], prefix: bin/}
  work:
    handler: app/work.handler
    triggers: [{resource: jobs}]
  feed:
    handler: app/feed.handler
    triggers: [{resource: orders}]
  alert:
    handler: app/alert.handler
    triggers:
      - resource: alerts
        filter: {level: [{prefix: crit}], shop: [{numeric: [">", 0, "<=", 10]}], kind: [order]}
  digest:
    handler: app/digest.handler
    triggers: [{resource: nightly, input: {report: daily}}]
  site:
    handler: app/site.handler
    triggers:
      - {resource: web, route: "POST /shops/{shop}/orders/{id}"}
      - {resource: web, route: "GET /files/{path+}"}
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = write_project(tmp_path_factory.mktemp("shop"), TRIGGERS)
    return load(root)


def test_s3_events_come_from_the_bucket_and_key_a_trigger_matches(shop: Project) -> None:
    created = sample_event(shop, "s3-created")["Records"][0]["s3"]
    assert created["bucket"]["name"].startswith("shop-dev-uploads-")  # not receipts
    assert created["object"]["key"] == "photos/raw/example.png"
    removed = sample_event(shop, "s3-removed")["Records"][0]["s3"]
    assert removed["bucket"]["name"].startswith("shop-dev-trash-")  # its trigger takes removed
    assert removed["object"]["key"] == "bin/example.txt"
    # a bucket without a trigger: neutral names
    receipts = sample_event(shop, "s3-created", resource="receipts")["Records"][0]["s3"]
    assert receipts["object"]["key"] == "example.txt"


def test_queue_and_stream_events_come_from_what_triggers_a_function(shop: Project) -> None:
    sqs = sample_event(shop, "sqs")["Records"][0]
    assert sqs["eventSourceARN"].endswith(":shop-dev-jobs")  # not outbox
    stream = sample_event(shop, "dynamodb-modify")["Records"][0]
    assert "/shop-dev-orders/stream/" in stream["eventSourceARN"]  # not audit, not plain
    assert stream["dynamodb"]["Keys"] == {"shop": {"S": "example"}, "at": {"N": "1"}}
    assert stream["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_topic_events_carry_attributes_the_filter_lets_through(shop: Project) -> None:
    sns = sample_event(shop, "sns")["Records"][0]["Sns"]
    assert sns["TopicArn"].endswith(":shop-dev-alerts")  # not news
    attributes = sns["MessageAttributes"]
    assert attributes["kind"] == {"Type": "String", "Value": "order"}
    assert attributes["level"]["Value"].startswith("crit")
    assert attributes["shop"]["Type"] == "Number" and 0 < float(attributes["shop"]["Value"]) <= 10


def test_schedule_events_are_what_the_triggered_function_receives(shop: Project) -> None:
    assert sample_event(shop, "schedule") == {"report": "daily"}  # nightly's input, not weekly
    weekly = sample_event(shop, "schedule", resource="weekly")
    assert weekly["detail-type"] == "Scheduled Event"
    assert weekly["resources"][0].endswith(":rule/shop-dev-weekly")


def test_http_events_follow_a_route_with_sample_path_parameters(shop: Project) -> None:
    post = sample_event(shop, "http")
    assert post["routeKey"] == "POST /shops/{shop}/orders/{id}"  # web, not admin
    assert post["rawPath"] == "/shops/example/orders/example"
    assert post["pathParameters"] == {"shop": "example", "id": "example"}
    assert post["requestContext"]["http"]["method"] == "POST"
    assert post["body"] == '{"example": true}'
    assert post["headers"]["content-type"] == "application/json"
    files = sample_event(shop, "http", route="GET /files/{path+}")
    assert files["pathParameters"] == {"path": "example/path"}
    assert files["rawPath"] == "/files/example/path" and "body" not in files
    with pytest.raises(OptionError) as error:
        sample_event(shop, "http", route="GET /nowhere")
    assert "GET /files/{path+}" in error.value.hint


def test_without_triggers_the_first_resource_of_the_kind_is_used(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        """
        name: bare
        resources:
          a: {type: s3.bucket}
          t: {type: dynamodb.table, key: {id: S}}
          s: {type: dynamodb.table, key: {id: N}, stream: keys_only}
          web: {type: http.api}
        functions:
          f:
            handler: app/f.handler
            operations: [{resource: a, actions: ["s3:GetObject"]}, {resource: t, actions: ["dynamodb:GetItem"]}]
        """,
    )
    project = load(root)
    s3 = sample_event(project, "s3-created")["Records"][0]["s3"]
    assert s3["bucket"]["name"].startswith("bare-dev-a-") and s3["object"]["key"] == "example.txt"
    stream = sample_event(project, "dynamodb-insert")["Records"][0]
    assert "/bare-dev-s/stream/" in stream["eventSourceARN"]  # the table with a stream
    assert stream["dynamodb"]["Keys"] == {"id": {"N": "1"}} and "NewImage" not in stream["dynamodb"]
    http = sample_event(project, "http")
    assert http["routeKey"] == "$default" and http["rawPath"] == "/"
    with pytest.raises(OptionError) as error:
        sample_event(project, "sqs")
    assert error.value.message == "the project has no sqs.queue for a sqs event"
