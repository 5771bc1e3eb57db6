import os

import boto3

s3 = boto3.resource("s3")
UPLOADS = os.environ["UPLOADS_BUCKET"]


def handler(event, context):
    body = s3.Object(UPLOADS, "in.txt").get()["Body"].read()
    s3.Object(bucket_name=os.environ["THUMBS_BUCKET"], key="out.txt").put(Body=body)
    s3.Object(UPLOADS, "in.txt").delete()
