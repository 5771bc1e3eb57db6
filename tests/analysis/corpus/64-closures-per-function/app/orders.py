import os

import boto3

from app.common import alert

ddb = boto3.client("dynamodb")


def handler(event, context):
    ddb.put_item(TableName=os.environ["ORDERS_TABLE"], Item={})
    alert("order")
