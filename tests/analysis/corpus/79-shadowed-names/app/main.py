import os

import boto3

s3 = boto3.client("s3")
s3 = "not a client"


def handler(event, context):
    sqs = boto3.client("sqs")
    sqs = FakeQueue()
    sqs.send_message(QueueUrl=os.environ.get("WORK_QUEUE_URL"), MessageBody="m")
    return s3.upper()


class FakeQueue:
    def send_message(self, **kwargs):
        return kwargs
