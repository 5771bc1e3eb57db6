import os

import boto3

CONFIG = {
    "bucket": os.environ["THUMBS_BUCKET"],
    "table": os.environ["ORDERS_TABLE"],
}
s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=CONFIG["bucket"], Key="k")
    boto3.resource("dynamodb").Table(CONFIG.get("table")).get_item(Key={})
