import os

import boto3

ddb = boto3.resource("dynamodb")
table = ddb.Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    table.get_item(Key={"id": "1"})
    table.query(KeyConditionExpression="id = :id")
    table.scan()
    table.update_item(Key={"id": "1"}, UpdateExpression="SET a = :a")
