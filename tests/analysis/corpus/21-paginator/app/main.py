import os

import boto3

s3 = boto3.client("s3")
ddb = boto3.client("dynamodb")


def handler(event, context):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=os.environ["THUMBS_BUCKET"])
    scanner = ddb.get_paginator("scan")
    for page in scanner.paginate(TableName=os.environ["ORDERS_TABLE"]):
        print(page)
    return list(pages)
