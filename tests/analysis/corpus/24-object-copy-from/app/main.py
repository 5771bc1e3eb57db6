import os

import boto3

s3 = boto3.resource("s3")


def handler(event, context):
    target = s3.Object(os.environ["THUMBS_BUCKET"], "copy.jpg")
    target.copy_from(CopySource={"Bucket": os.environ["UPLOADS_BUCKET"], "Key": "orig.jpg"})
