import os

import boto3

sqs = boto3.client("sqs")


def send():
    sqs.send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody="m")


def purge():
    sqs.purge_queue(QueueUrl=os.environ["WORK_QUEUE_URL"])


def run(name):
    return globals()[name]()
