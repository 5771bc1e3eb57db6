"""Notify: publish an alert whenever an order's status changes.

Reads the orders table's stream (new and old images). INSERT and MODIFY records whose status
differs between the old and new image become one SNS message each on the alerts topic;
REMOVE records are ignored.
"""

import json
import os

import boto3
from boto3.dynamodb.types import TypeDeserializer

sns = boto3.client("sns")

ALERTS_TOPIC_ARN = os.environ["ALERTS_TOPIC_ARN"]
_deserialize = TypeDeserializer().deserialize


def image(record: dict, name: str) -> dict:
    """The record's NewImage or OldImage as plain Python values ({} when absent)."""
    return {k: _deserialize(v) for k, v in record["dynamodb"].get(name, {}).items()}


def handler(event, context):
    published = 0
    for record in event["Records"]:
        if record["eventName"] not in ("INSERT", "MODIFY"):
            continue
        new, old = image(record, "NewImage"), image(record, "OldImage")
        status = new.get("status")
        if status is None or status == old.get("status"):
            continue
        order_id = str(new.get("id"))
        sns.publish(
            TopicArn=ALERTS_TOPIC_ARN,
            Subject=f"Order {order_id} is {status}"[:100],  # SNS subjects stop at 100 characters
            Message=json.dumps({"id": order_id, "status": status, "previous": old.get("status")}),
        )
        published += 1
    return {"published": published}
