import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.get_object(Bucket=os.environ["UPLOADS_BUCKET"], Key="k", VersionId=event["version"])
    s3.delete_object(Bucket="acme-archive", Key="k")
