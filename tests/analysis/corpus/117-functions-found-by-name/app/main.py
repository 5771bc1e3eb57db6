import os
import sys

import boto3

from app import jobs, report

s3 = boto3.client("s3")


def op_put(key):
    s3.put_object(Bucket=os.environ["UPLOADS_BUCKET"], Key=key)


def op_delete(key):
    s3.delete_object(Bucket=os.environ["UPLOADS_BUCKET"], Key=key)


def handler(event, context):
    operation = getattr(sys.modules[__name__], "op_" + event["operation"])
    operation(event["key"])
    return jobs.run(event["job"])
