import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=str(os.environ["THUMBS_BUCKET"]).strip(), Key="a")
    s3.get_object(Bucket="%s" % os.environ["UPLOADS_BUCKET"], Key="b")
    s3.delete_object(Bucket="{}".format("acme-archive"), Key="c")
