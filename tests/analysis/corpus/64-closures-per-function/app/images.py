import os

import boto3

s3 = boto3.client("s3")


def store(key, data):
    s3.put_object(Bucket=os.environ["THUMBS_BUCKET"], Key=key, Body=data)
