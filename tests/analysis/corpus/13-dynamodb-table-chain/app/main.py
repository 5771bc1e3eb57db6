import os

import boto3


def handler(event, context):
    boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"]).put_item(Item={"id": "1"})
