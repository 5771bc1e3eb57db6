import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    get = s3.generate_presigned_url(
        "get_object", Params={"Bucket": os.environ["THUMBS_BUCKET"], "Key": "a"}
    )
    put = s3.generate_presigned_post(os.environ["UPLOADS_BUCKET"], "incoming/b.jpg")
    return get, put
