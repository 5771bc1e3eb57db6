import os

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ["THUMB_BUCKET"]


def handler(event, context):
    s3.put_object(Bucket=BUCKET, Key="k")
