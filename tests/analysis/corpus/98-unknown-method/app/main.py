import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_objct(Bucket=os.environ.get("THUMBS_BUCKET"), Key="k")
