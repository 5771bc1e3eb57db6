import os

import boto3

s3 = boto3.client("s3")
ddb = boto3.client("dynamodb")


def handler(event, context):
    params = {"Bucket": os.environ["THUMBS_BUCKET"], "Key": "k"}
    s3.put_object(**params, Body=b"x")
    kwargs = {"TableName": os.environ["ORDERS_TABLE"]}
    while True:
        page = ddb.scan(**kwargs)
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
