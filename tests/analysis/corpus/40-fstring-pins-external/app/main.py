import os

import boto3

sns = boto3.client("sns")
REGION = os.environ["AWS_REGION"]
ACCOUNT = "123456789012"


def handler(event, context):
    sns.publish(TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:partner-events", Message="m")
    sns.publish(TopicArn="arn:aws:sns:" + REGION + ":" + ACCOUNT + ":partner-events", Message="n")
