import os

import boto3

s3 = boto3.client("s3")
SOURCE = os.environ["UPLOADS_BUCKET"]


def handler(event, context):
    key = event["key"]
    s3.copy_object(Bucket="acme-archive", Key=key, CopySource=f"{SOURCE}/{key}")
