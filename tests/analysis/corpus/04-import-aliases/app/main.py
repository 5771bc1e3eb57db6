import os

import boto3 as b
from boto3 import client
from boto3 import resource as res

s3 = b.client("s3")
sqs = client("sqs")
table = res("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    s3.get_object(Bucket=os.environ["UPLOADS_BUCKET"], Key="k")
    sqs.receive_message(QueueUrl=os.environ["WORK_QUEUE_URL"])
    table.delete_item(Key={"id": "1"})
