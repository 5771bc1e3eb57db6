import os

import boto3

s3 = boto3.client("s3")
B = os.environ["UPLOADS_BUCKET"]


def handler(event, context):
    s3.head_object(Bucket=B, Key="k")
    s3.head_bucket(Bucket=B)
    s3.list_objects_v2(Bucket=B)
    s3.list_objects(Bucket=B)
    s3.list_object_versions(Bucket=B)
    s3.delete_objects(Bucket=B, Delete={"Objects": [{"Key": "k"}]})
    s3.get_bucket_cors(Bucket=B)
    s3.create_multipart_upload(Bucket=B, Key="big")
