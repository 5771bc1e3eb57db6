import os

import boto3

from app.web import cached, json_response

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


@json_response
def get_order(event, context):
    return table.get_item(Key={"id": event["id"]})


@json_response
@cached
def put_order(event, context):
    table.put_item(Item={"id": event["id"]})
