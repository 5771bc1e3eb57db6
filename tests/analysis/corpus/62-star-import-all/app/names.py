import os

__all__ = ["BUCKET", "client"]

import boto3

BUCKET = os.environ["THUMBS_BUCKET"]
client = boto3.client("s3")
