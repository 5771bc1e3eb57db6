import os

import boto3

sns = boto3.client("sns")


def handler(event, context):
    sns.publish(PhoneNumber=event["phone"], Message="your code is 1234")
    sns.publish(TargetArn="arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/0f3c", Message="m")
    boto3.resource("sns").PlatformEndpoint(event["endpoint"]).publish(Message="m")
    sns.publish(TargetArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")
