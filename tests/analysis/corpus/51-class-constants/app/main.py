import os

import boto3


class Settings:
    QUEUE_URL = os.environ["WORK_QUEUE_URL"]
    TOPIC = os.environ["ALERTS_TOPIC_ARN"]


def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=Settings.QUEUE_URL, MessageBody="m")
    settings = Settings()
    boto3.client("sns").publish(TopicArn=settings.TOPIC, Message="m")
