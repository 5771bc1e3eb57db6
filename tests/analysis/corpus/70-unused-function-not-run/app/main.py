import os

import boto3

sqs = boto3.client("sqs")


def cleanup():
    sqs.purge_queue(QueueUrl=os.environ["WORK_QUEUE_URL"])


def handler(event, context):
    return "ok"
