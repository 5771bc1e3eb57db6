import os

import boto3

s3 = boto3.client("s3")
STAGE_SUFFIX = os.environ.get("STAGE_SUFFIX", "")


def handler(event, context):
    s3.put_object(Bucket="acme-archive" + STAGE_SUFFIX, Key="k")
