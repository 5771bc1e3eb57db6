from os import environ, getenv
from os import environ as env

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=environ["THUMBS_BUCKET"], Key="a")
    s3.get_object(Bucket=getenv("UPLOADS_BUCKET"), Key="b")
    s3.delete_object(Bucket=env.get("UPLOADS_BUCKET"), Key="c")
