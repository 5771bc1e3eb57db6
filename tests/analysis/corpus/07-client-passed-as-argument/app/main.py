import os

import boto3

s3 = boto3.client("s3")


def save(client, bucket, key, data):
    client.put_object(Bucket=bucket, Key=key, Body=data)


def handler(event, context):
    save(s3, os.environ["THUMBS_BUCKET"], "a", b"1")
    save(client=s3, bucket="acme-archive", key="b", data=b"2")
