"""Does a deployed resource hold data? Asked before anything that would delete or replace it.

Only buckets, tables and queues hold data a user could lose; each check is one cheap call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tether.cloud import Cloud
from tether.words import count

DATA_TYPES = {
    "AWS::S3::Bucket": "s3.bucket",
    "AWS::DynamoDB::Table": "dynamodb.table",
    "AWS::SQS::Queue": "sqs.queue",
}


def _bucket(cloud: Cloud, name: str) -> str | None:
    s3 = cloud.client("s3")
    listed = s3.list_object_versions(Bucket=name, MaxKeys=1)
    if listed.get("Versions") or listed.get("DeleteMarkers"):
        return "holds objects"
    return None


def _table(cloud: Cloud, name: str) -> str | None:
    scanned = cloud.client("dynamodb").scan(
        TableName=name, Limit=1, Select="COUNT", ConsistentRead=True
    )
    return "holds items" if scanned.get("Count", 0) or scanned.get("LastEvaluatedKey") else None


def _queue(cloud: Cloud, url: str) -> str | None:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = cloud.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)
    total = sum(int(attributes["Attributes"].get(n, 0)) for n in names)
    return f"holds {count(total, 'message')}" if total else None


CFN_TYPES = {type_name: cfn_type for cfn_type, type_name in DATA_TYPES.items()}

_CHECKS: dict[str, Callable[[Cloud, str], str | None]] = {
    "AWS::S3::Bucket": _bucket,
    "AWS::DynamoDB::Table": _table,
    "AWS::SQS::Queue": _queue,
}


def holds_data(cloud: Cloud, cfn_type: str, physical_id: str) -> str | None:
    """'holds objects', 'holds items', 'holds 3 messages', or None when empty or gone."""
    check = _CHECKS.get(cfn_type)
    if check is None:
        return None
    with cloud.guard():
        try:
            return check(cloud, physical_id)
        except cloud.client("sts").exceptions.ClientError as exc:
            if _missing(exc.response):
                return None
            raise


def delete_bucket(cloud: Cloud, name: str) -> int:
    """Delete every object version and delete marker, then the bucket; return the objects
    deleted. Called only once the bucket is out of the stack (kept by DeletionPolicy Retain
    while the change that removes it ran), so a failed change never costs the user data."""
    s3 = cloud.client("s3")
    deleted = 0
    with cloud.guard():
        try:
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
                objects = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                ]
                for start in range(0, len(objects), 1000):
                    batch = objects[start : start + 1000]
                    s3.delete_objects(Bucket=name, Delete={"Objects": batch, "Quiet": True})
                    deleted += len(batch)
            s3.delete_bucket(Bucket=name)
        except s3.exceptions.ClientError as exc:
            if not _missing(exc.response):
                raise
    return deleted


def bucket_exists(cloud: Cloud, name: str) -> bool:
    """Whether a bucket of that name exists (in this account or, on AWS, anyone's)."""
    s3 = cloud.client("s3")
    with cloud.guard():
        try:
            s3.head_bucket(Bucket=name)
        except s3.exceptions.ClientError as exc:
            if _missing(exc.response):
                return False
            if str(exc.response.get("Error", {}).get("Code")) in {"403", "AccessDenied"}:
                return True  # someone else's: creating it would fail just the same
            raise
    return True


def _missing(response: dict[str, Any]) -> bool:
    code = str(response.get("Error", {}).get("Code", ""))
    return code in {
        "NoSuchBucket",
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "404",
        "NotFound",
    }


def delete_resource(cloud: Cloud, type_name: str, physical_id: str) -> None:
    """Delete a bucket (emptied first), table or queue that is out of the stack. A resource
    already gone is fine."""
    if type_name == "s3.bucket":
        delete_bucket(cloud, physical_id)
        return
    with cloud.guard():
        try:
            if type_name == "dynamodb.table":
                cloud.client("dynamodb").delete_table(TableName=physical_id)
            elif type_name == "sqs.queue":
                cloud.client("sqs").delete_queue(QueueUrl=physical_id)
        except cloud.client("sts").exceptions.ClientError as exc:
            if not _missing(exc.response):
                raise
