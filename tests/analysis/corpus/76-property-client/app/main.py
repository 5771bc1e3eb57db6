import os

import boto3


class Publisher:
    @property
    def client(self):
        return boto3.client("sns")

    def send(self, text):
        self.client.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message=text)


def handler(event, context):
    Publisher().send("hi")
