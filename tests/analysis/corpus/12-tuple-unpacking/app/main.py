import os

import boto3

s3, sqs = boto3.client("s3"), boto3.client("sqs")
BUCKET, QUEUE = os.environ["UPLOADS_BUCKET"], os.environ["WORK_QUEUE_URL"]


def handler(event, context):
    s3.head_object(Bucket=BUCKET, Key="k")
    sqs.get_queue_attributes(QueueUrl=QUEUE, AttributeNames=["All"])
