import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    with table.batch_writer() as batch:
        for record in event["Records"]:
            batch.put_item(Item={"id": record["id"]})
