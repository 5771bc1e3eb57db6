import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=os.environ["THUMBS_BUCKET"], Key="a.txt", Body=b"x")
