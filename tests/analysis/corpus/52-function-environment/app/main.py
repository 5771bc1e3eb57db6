import os

import boto3


def handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["TARGET_BUCKET"], Key="k")
