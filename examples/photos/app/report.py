"""Report: once a night, count thumbnails and orders and archive the numbers as JSON.

Triggered by the nightly EventBridge schedule. Lists the thumbs bucket, scans the orders table
counting orders per status, and writes reports/<YYYY-MM-DD>.json to the external archive bucket.
"""

import json
import os
from collections import Counter
from datetime import UTC, datetime

import boto3

s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")

THUMBS_BUCKET = os.environ["THUMBS_BUCKET"]
ORDERS_TABLE = os.environ["ORDERS_TABLE"]
ARCHIVE_BUCKET = "acme-archive"  # external in tether.yaml: owned elsewhere, referenced by name


def report_date(event: dict) -> str:
    """YYYY-MM-DD of the scheduled event's `time`, or today in UTC if it has none."""
    try:
        when = datetime.fromisoformat(event["time"])
    except (KeyError, TypeError, ValueError):
        when = datetime.now(UTC)
    return when.date().isoformat()


def count_thumbnails() -> tuple[int, int]:
    """(number, total bytes) of the objects under thumbs/ in the thumbs bucket."""
    count = size = 0
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=THUMBS_BUCKET, Prefix="thumbs/")
    for page in pages:
        for obj in page.get("Contents", []):
            count += 1
            size += obj["Size"]
    return count, size


def count_orders() -> Counter:
    """Orders per status, scanning the whole table page by page."""
    statuses = Counter()
    kwargs = {
        "TableName": ORDERS_TABLE,
        "ProjectionExpression": "#status",
        "ExpressionAttributeNames": {"#status": "status"},
    }
    while True:
        page = dynamodb.scan(**kwargs)
        for item in page["Items"]:
            statuses[item.get("status", {}).get("S", "unknown")] += 1
        if "LastEvaluatedKey" not in page:
            return statuses
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def handler(event, context):
    date = report_date(event)
    thumbnails, thumbnail_bytes = count_thumbnails()
    statuses = count_orders()
    report = {
        "date": date,
        "thumbnails": thumbnails,
        "thumbnail_bytes": thumbnail_bytes,
        "orders": sum(statuses.values()),
        "orders_by_status": dict(sorted(statuses.items())),
    }
    s3.put_object(
        Bucket=ARCHIVE_BUCKET,
        Key=f"reports/{date}.json",
        Body=json.dumps(report, indent=2).encode(),
        ContentType="application/json",
    )
    return report
