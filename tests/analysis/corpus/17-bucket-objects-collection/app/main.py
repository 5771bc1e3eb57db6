import os

import boto3

bucket = boto3.resource("s3").Bucket(os.environ["UPLOADS_BUCKET"])


def handler(event, context):
    names = [o.key for o in bucket.objects.all()]
    for obj in bucket.objects.filter(Prefix="old/"):
        obj.delete()
    return names
