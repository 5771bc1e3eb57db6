import os

import boto3

from app.wrap import logged

sns = boto3.client("sns")


@logged
def handler(event, context):
    sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")
