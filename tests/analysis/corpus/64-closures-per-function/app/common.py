import os

import boto3

sns = boto3.client("sns")


def alert(message):
    sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message=message)
