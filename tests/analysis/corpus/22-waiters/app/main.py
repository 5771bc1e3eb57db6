import os

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    s3.get_waiter("object_exists").wait(Bucket=os.environ["UPLOADS_BUCKET"], Key="k")
    table.wait_until_exists()
