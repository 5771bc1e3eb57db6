import os

import boto3

sqs = boto3.client("sqs")
URL = os.environ["WORK_QUEUE_URL"]


def drain():
    sqs.purge_queue(QueueUrl=URL)


def warm():
    sqs.get_queue_attributes(QueueUrl=URL)


warm()


def warm():
    sqs.delete_queue(QueueUrl=URL)


def drain():
    sqs.receive_message(QueueUrl=URL)


def handler(event, context):
    sqs.send_message(QueueUrl=URL, MessageBody="from the first handler")


def handler(event, context):
    drain()
