import os

import boto3

s3 = boto3.client("s3")
SUFFIX = os.environ.get("SUFFIX", "")


def handler(event, context):
    s3.put_object(Bucket="acme-archive" + SUFFIX, Key="k")
    s3.put_object(Bucket=f"{SUFFIX}-archive", Key="k")
