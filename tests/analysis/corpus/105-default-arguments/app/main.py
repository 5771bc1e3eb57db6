import os

import boto3

s3 = boto3.client("s3")


def save(data, bucket=os.environ["THUMBS_BUCKET"]):
    s3.put_object(Bucket=bucket, Key="k", Body=data)


def handler(event, context):
    save(b"1")
    save(b"2", bucket="acme-archive")
