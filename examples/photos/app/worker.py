"""Worker: process the orders queued by resize, marking each one processed in the orders table.

Receives SQS batches from the work queue. A record that cannot be handled (bad JSON, no id,
unknown order) is reported back in Lambda's partial batch response, so only that message is
retried instead of the whole batch.
"""

import json
import logging
import os
from datetime import UTC, datetime

import boto3

dynamodb = boto3.client("dynamodb")

ORDERS_TABLE = os.environ["ORDERS_TABLE"]
log = logging.getLogger()
log.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())


def process(body: str) -> None:
    message = json.loads(body)
    order_id = message["id"]  # KeyError or TypeError when the message has no id
    dynamodb.update_item(
        TableName=ORDERS_TABLE,
        Key={"id": {"S": str(order_id)}},
        UpdateExpression="SET #status = :status, processed_at = :now",
        ConditionExpression="attribute_exists(id)",  # never create an order from a stray message
        ExpressionAttributeNames={"#status": "status"},  # "status" is a reserved word
        ExpressionAttributeValues={
            ":status": {"S": "processed"},
            ":now": {"S": datetime.now(UTC).isoformat(timespec="seconds")},
        },
    )


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            process(record["body"])
        except Exception:
            log.exception("message %s failed", record["messageId"])
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
