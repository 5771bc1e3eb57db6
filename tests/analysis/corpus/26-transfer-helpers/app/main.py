import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.upload_file("/tmp/a", os.environ["THUMBS_BUCKET"], "a")
    s3.download_file(os.environ["UPLOADS_BUCKET"], "b", "/tmp/b")
    with open("/tmp/c", "wb") as f:
        s3.download_fileobj("acme-archive", "c", f)
    s3.upload_fileobj(f, Bucket="acme-archive", Key="d")
