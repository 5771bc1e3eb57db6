import os

import boto3

REGION = os.environ.get("REGION")
s3 = boto3.client("s3", region_name=REGION) if REGION else boto3.client("s3")


def handler(event, context):
    s3.delete_object(Bucket=os.environ["UPLOADS_BUCKET"], Key=event.get("key", "x"))
