import os

import boto3

_client = None


def client():
    global _client
    if _client is None:
        _client = boto3.client("sqs")
    return _client


def handler(event, context):
    client().delete_message(QueueUrl=os.environ["WORK_QUEUE_URL"], ReceiptHandle="r")
