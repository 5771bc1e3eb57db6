import os
from concurrent.futures import ThreadPoolExecutor

import boto3

s3 = boto3.client("s3")


def archive(key, bucket):
    s3.put_object(Bucket=bucket, Key=key)


def handler(event, context):
    keys = event["keys"]
    list(map(lambda k: s3.delete_object(Bucket=os.environ["UPLOADS_BUCKET"], Key=k), keys))
    with ThreadPoolExecutor() as pool:
        pool.submit(archive, "k", "acme-archive")
