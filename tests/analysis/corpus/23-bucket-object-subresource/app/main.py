import os

import boto3

bucket = boto3.resource("s3").Bucket(os.environ["THUMBS_BUCKET"])


def handler(event, context):
    obj = bucket.Object("x.jpg")
    obj.upload_fileobj(open("/tmp/x.jpg", "rb"))
    obj.Acl().put(ACL="private")
