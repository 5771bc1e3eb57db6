import os

import boto3

queue = boto3.resource("sqs").Queue(os.environ["WORK_QUEUE_URL"])


def handler(event, context):
    queue.send_message(MessageBody="job")
    for message in queue.receive_messages(MaxNumberOfMessages=10):
        message.delete()
