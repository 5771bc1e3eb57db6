import os

import boto3

sns = boto3.client("sns")


def audit(message):
    sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message=message)


def purge():
    boto3.client("sqs").purge_queue(QueueUrl=os.environ["WORK_QUEUE_URL"])
