import os

import boto3


def handler(event, context):
    boto3.client("sns").publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")
