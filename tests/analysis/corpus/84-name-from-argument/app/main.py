import boto3
from webkit import route

s3 = boto3.client("s3")


@route("/upload")
def upload(bucket, key, data):
    s3.put_object(Bucket=bucket, Key=key, Body=data)


def handler(event, context):
    return "ok"
