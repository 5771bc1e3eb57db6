import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    if bucket := os.environ.get("THUMBS_BUCKET"):
        s3.put_object(Bucket=bucket, Key="k")
    match event.get("kind"):
        case "archive":
            s3.put_object(Bucket="acme-archive", Key="k")
        case {"bucket": other}:
            return other
        case _:
            s3.delete_object(Bucket=os.environ["UPLOADS_BUCKET"], Key="k")
