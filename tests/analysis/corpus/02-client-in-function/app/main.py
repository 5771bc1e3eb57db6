import os

import boto3


def handler(event, context):
    dynamodb = boto3.client("dynamodb")
    return dynamodb.get_item(TableName=os.environ["ORDERS_TABLE"], Key={"id": {"S": "1"}})
