import os

import boto3

ORDERS = os.environ["ORDERS_TABLE"]


def handler(event, context):
    print(ORDERS)
    boto3.client("s3").put_object(Bucket=os.environ["THUMBS_BUCKET"], Key="k")
