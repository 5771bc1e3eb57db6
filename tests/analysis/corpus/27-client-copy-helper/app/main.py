import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    source = {"Bucket": os.environ["UPLOADS_BUCKET"], "Key": "a"}
    s3.copy(source, os.environ["THUMBS_BUCKET"], "b")
