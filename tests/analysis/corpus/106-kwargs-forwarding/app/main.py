import os

import boto3

sqs = boto3.client("sqs")


def call(method, *args, **kwargs):
    return method(*args, **kwargs)


def send(**kwargs):
    return sqs.send_message(**kwargs)


def handler(event, context):
    send(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody="m")
    call(sqs.delete_message, QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/inbox", ReceiptHandle="r")
