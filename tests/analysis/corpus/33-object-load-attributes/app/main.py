import os

import boto3

s3 = boto3.resource("s3")


def handler(event, context):
    obj = s3.Object(os.environ["THUMBS_BUCKET"], "a.jpg")
    return obj.content_length
