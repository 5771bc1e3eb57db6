"""API: answer `GET /orders/{id}` on the web HTTP API with the order stored in the orders table.

Receives API Gateway HTTP API (payload format 2.0) events and returns a JSON response:
200 with the order, 400 without an id, 404 when no such order exists.
"""

import json
import os
from decimal import Decimal

import boto3
from boto3.dynamodb.types import TypeDeserializer

dynamodb = boto3.client("dynamodb")

ORDERS_TABLE = os.environ["ORDERS_TABLE"]
_deserialize = TypeDeserializer().deserialize


def to_json(value):
    """json.dumps `default`: DynamoDB numbers come back as Decimal, sets as set."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot serialize {type(value).__name__}")


def respond(status: int, body: dict) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body, default=to_json),
    }


def handler(event, context):
    order_id = (event.get("pathParameters") or {}).get("id")
    if not order_id:
        return respond(400, {"error": "missing order id"})
    found = dynamodb.get_item(TableName=ORDERS_TABLE, Key={"id": {"S": order_id}})
    if "Item" not in found:
        return respond(404, {"error": f"order {order_id!r} not found"})
    order = {k: _deserialize(v) for k, v in found["Item"].items()}
    return respond(200, order)
