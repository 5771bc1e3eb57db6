import json

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    body = json.loads(event["body"])
    s3.get_object(Bucket=event["queryStringParameters"]["bucket"], Key="k")
    s3.put_object(Bucket=body["bucket"], Key="k")
