import os

import boto3

TABLE = "legacy-orders"


def init():
    global TABLE
    TABLE = os.environ["ORDERS_TABLE"]


def handler(event, context):
    init()
    boto3.client("dynamodb").get_item(TableName=TABLE, Key={})
