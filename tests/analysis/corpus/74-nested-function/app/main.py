import os

import boto3


def handler(event, context):
    sqs = boto3.client("sqs")
    url = os.environ["WORK_QUEUE_URL"]

    def send(body):
        sqs.send_message(QueueUrl=url, MessageBody=body)

    for item in event["items"]:
        send(item)
