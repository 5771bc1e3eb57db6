"""What each SDK call needs in IAM's words: the requests boto3 really sends (captured before they
leave), read as the local cloud's authorizer reads them."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from tether.localcloud.authorize_request import Access, Call, Request, describe

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize"


def sent(service: str, method: str, **params: Any) -> Call:
    """The Call the authorizer makes of `client.<method>(**params)`."""
    client = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:4599",
        aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key="secret",
    )
    captured: list[Any] = []

    def capture(request: Any, **_: Any) -> AWSResponse:
        captured.append(request)
        raise _Captured

    client.meta.events.register("before-send", capture)
    with pytest.raises(_Captured):
        getattr(client, method)(**params)
    request = captured[0]
    url = urlsplit(request.url)
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    headers = {
        k.lower(): v.decode() if isinstance(v, bytes) else str(v)
        for k, v in request.headers.items()
    }
    return describe(
        Request(
            service=service,
            region="us-east-1",
            account=ACCOUNT,
            method=request.method,
            path=unquote(url.path),
            query=url.query,
            headers=headers,
            body=body or b"",
        )
    )


class _Captured(Exception):
    pass


def needs(call: Call) -> list[tuple[str, str]]:
    return [(a.action, a.resource) for a in call.accesses]


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        (
            "get_object",
            {"Bucket": "b", "Key": "a/cat 1.jpg"},
            [("s3:GetObject", "arn:aws:s3:::b/a/cat 1.jpg")],
        ),
        (
            "get_object",
            {"Bucket": "b", "Key": "k", "VersionId": "3"},
            [("s3:GetObjectVersion", "arn:aws:s3:::b/k")],
        ),
        ("head_object", {"Bucket": "b", "Key": "k"}, [("s3:GetObject", "arn:aws:s3:::b/k")]),
        (
            "put_object",
            {"Bucket": "b", "Key": "k", "Body": b"x"},
            [("s3:PutObject", "arn:aws:s3:::b/k")],
        ),
        ("delete_object", {"Bucket": "b", "Key": "k"}, [("s3:DeleteObject", "arn:aws:s3:::b/k")]),
        ("list_objects_v2", {"Bucket": "b", "Prefix": "p/"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        ("list_objects", {"Bucket": "b"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        ("head_bucket", {"Bucket": "b"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        ("list_buckets", {}, [("s3:ListAllMyBuckets", "*")]),
        ("get_bucket_location", {"Bucket": "b"}, [("s3:GetBucketLocation", "arn:aws:s3:::b")]),
        (
            "put_object_tagging",
            {"Bucket": "b", "Key": "k", "Tagging": {"TagSet": []}},
            [("s3:PutObjectTagging", "arn:aws:s3:::b/k")],
        ),
        (
            "copy_object",
            {"Bucket": "b", "Key": "k", "CopySource": {"Bucket": "src", "Key": "s k"}},
            [("s3:PutObject", "arn:aws:s3:::b/k"), ("s3:GetObject", "arn:aws:s3:::src/s k")],
        ),
        (
            "copy_object",
            {
                "Bucket": "b",
                "Key": "k",
                "CopySource": {"Bucket": "src", "Key": "s", "VersionId": "1"},
            },
            [("s3:PutObject", "arn:aws:s3:::b/k"), ("s3:GetObjectVersion", "arn:aws:s3:::src/s")],
        ),
        (
            "delete_objects",
            {"Bucket": "b", "Delete": {"Objects": [{"Key": "x"}, {"Key": "y", "VersionId": "1"}]}},
            [
                ("s3:DeleteObject", "arn:aws:s3:::b/x"),
                ("s3:DeleteObjectVersion", "arn:aws:s3:::b/y"),
            ],
        ),
        (
            "create_multipart_upload",
            {"Bucket": "b", "Key": "k"},
            [("s3:PutObject", "arn:aws:s3:::b/k")],
        ),
        (
            "upload_part",
            {"Bucket": "b", "Key": "k", "UploadId": "u", "PartNumber": 1, "Body": b"x"},
            [("s3:PutObject", "arn:aws:s3:::b/k")],
        ),
        (
            "list_parts",
            {"Bucket": "b", "Key": "k", "UploadId": "u"},
            [("s3:ListMultipartUploadParts", "arn:aws:s3:::b/k")],
        ),
    ],
)
def test_s3(method: str, params: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert needs(sent("s3", method, **params)) == expected


def test_s3_listing_carries_its_condition_keys() -> None:
    call = sent("s3", "list_objects_v2", Bucket="b", Prefix="in/", Delimiter="/", MaxKeys=5)
    assert call.context == {"s3:prefix": "in/", "s3:delimiter": "/", "s3:max-keys": "5"}


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        (
            "get_item",
            {"TableName": "orders", "Key": {"id": {"S": "1"}}},
            [("dynamodb:GetItem", f"{TABLE}/orders")],
        ),
        (
            "query",
            {
                "TableName": "orders",
                "IndexName": "by-day",
                "KeyConditionExpression": "d = :d",
                "ExpressionAttributeValues": {":d": {"S": "x"}},
            },
            [("dynamodb:Query", f"{TABLE}/orders/index/by-day")],
        ),
        (
            "query",
            {
                "TableName": "orders",
                "KeyConditionExpression": "d = :d",
                "ExpressionAttributeValues": {":d": {"S": "x"}},
            },
            [("dynamodb:Query", f"{TABLE}/orders")],
        ),
        (
            "batch_write_item",
            {
                "RequestItems": {
                    "a": [{"PutRequest": {"Item": {"id": {"S": "1"}}}}],
                    "b": [{"DeleteRequest": {"Key": {"id": {"S": "1"}}}}],
                }
            },
            [("dynamodb:BatchWriteItem", f"{TABLE}/a"), ("dynamodb:BatchWriteItem", f"{TABLE}/b")],
        ),
        (
            "transact_write_items",
            {
                "TransactItems": [
                    {"Put": {"TableName": "a", "Item": {"id": {"S": "1"}}}},
                    {"Delete": {"TableName": "b", "Key": {"id": {"S": "1"}}}},
                ]
            },
            [("dynamodb:PutItem", f"{TABLE}/a"), ("dynamodb:DeleteItem", f"{TABLE}/b")],
        ),
        (
            "get_item",
            {"TableName": f"{TABLE}/orders", "Key": {"id": {"S": "1"}}},
            [("dynamodb:GetItem", f"{TABLE}/orders")],
        ),
        ("list_tables", {}, [("dynamodb:ListTables", "*")]),
        # PartiQL: its actions depend on the statement, which Tether does not read
        ("execute_statement", {"Statement": "SELECT * FROM orders"}, [("dynamodb:*", "*")]),
    ],
)
def test_dynamodb(method: str, params: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert needs(sent("dynamodb", method, **params)) == expected


@pytest.mark.parametrize(
    ("service", "method", "params", "expected"),
    [
        (
            "sqs",
            "send_message",
            {"QueueUrl": f"http://127.0.0.1:4599/{ACCOUNT}/jobs", "MessageBody": "x"},
            [("sqs:SendMessage", QUEUE)],
        ),
        (
            "sqs",
            "send_message",
            {"QueueUrl": f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs", "MessageBody": "x"},
            [("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs")],
        ),
        ("sqs", "get_queue_url", {"QueueName": "jobs"}, [("sqs:GetQueueUrl", QUEUE)]),
        ("sqs", "list_queues", {}, [("sqs:ListQueues", "*")]),
        ("sns", "publish", {"TopicArn": TOPIC, "Message": "x"}, [("sns:Publish", TOPIC)]),
        ("sns", "create_topic", {"Name": "alerts"}, [("sns:CreateTopic", TOPIC)]),
        ("lambda", "invoke", {"FunctionName": "resize"}, [("lambda:InvokeFunction", FUNCTION)]),
        (
            "lambda",
            "invoke",
            {"FunctionName": "resize", "Qualifier": "3"},
            [("lambda:InvokeFunction", f"{FUNCTION}:3")],
        ),
        ("lambda", "get_function", {"FunctionName": FUNCTION}, [("lambda:GetFunction", FUNCTION)]),
        ("lambda", "list_functions", {}, [("lambda:ListFunctions", "*")]),
        (
            "logs",
            "put_log_events",
            {
                "logGroupName": "/aws/lambda/f",
                "logStreamName": "s",
                "logEvents": [{"timestamp": 1, "message": "m"}],
            },
            [
                (
                    "logs:PutLogEvents",
                    f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f:log-stream:s",
                )
            ],
        ),
        (
            "events",
            "put_events",
            {"Entries": [{"Source": "app", "DetailType": "t", "Detail": "{}"}]},
            [("events:PutEvents", f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default")],
        ),
    ],
)
def test_other_services(
    service: str, method: str, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert needs(sent(service, method, **params)) == expected


def test_who_am_i_needs_no_permission() -> None:
    call = sent("sts", "get_caller_identity")
    assert call.free and call.accesses == ()


def test_an_unreadable_request_needs_everything_of_its_service() -> None:
    request = Request("s3", "us-east-1", ACCOUNT, "PATCH", "/b/k", "", {}, b"")
    assert describe(request).accesses == (Access("s3:*", "*"),)
    assert describe(request).operation is None
