import os

import boto3

s3 = boto3.resource("s3")


def handler(event, context):
    bucket = s3.Bucket(os.environ["THUMBS_BUCKET"])
    bucket.upload_file("/tmp/a.jpg", "a.jpg")
    s3.Bucket(os.environ["UPLOADS_BUCKET"]).download_file("b.jpg", "/tmp/b.jpg")
    s3.Bucket("acme-archive").copy({"Bucket": os.environ["UPLOADS_BUCKET"], "Key": "b.jpg"}, "c.jpg")
