import os

import boto3


def handler(event, context):
    if event.get("archive"):
        client = boto3.client("s3")
        target = os.environ["THUMBS_BUCKET"]
    else:
        client = boto3.client("sqs")
        target = os.environ["WORK_QUEUE_URL"]
    if event.get("archive"):
        client.put_object(Bucket=target, Key="k")
    else:
        client.send_message(QueueUrl=target, MessageBody="m")
