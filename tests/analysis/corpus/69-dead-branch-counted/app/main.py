import os

import boto3

s3 = boto3.client("s3")
DEBUG = False


def handler(event, context):
    if DEBUG:
        s3.delete_object(Bucket=os.environ["UPLOADS_BUCKET"], Key="k")
    return "ok"
