import os

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table("legacy-orders")
bucket = boto3.resource("s3").Bucket("acme-archive")


def handler(event, context):
    paginator = s3.get_paginator("list_objects_v2")
    return paginator, table, bucket.name
