import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    operation = event["operation"]
    getattr(s3, operation)(Bucket=os.environ.get("THUMBS_BUCKET"), Key="k")
    getattr(s3, "delete_object")(Bucket="acme-archive", Key="k")
