import os

import boto3


class Sender:
    def __init__(self, kind, client, target):
        self.kind = kind
        self.client = client
        self.target = target

    def send(self, body):
        if self.kind == "sqs":
            self.client.send_message(QueueUrl=self.target, MessageBody=body)
        else:
            self.client.publish(TopicArn=self.target, Message=body)


queue = Sender("sqs", boto3.client("sqs"), os.environ["WORK_QUEUE_URL"])
topic = Sender("sns", boto3.client("sns"), os.environ["ALERTS_TOPIC_ARN"])


def handler(event, context):
    queue.send("a")
    topic.send("b")
