import os

import boto3

sqs = boto3.client("sqs")
sns = boto3.client("sns")
QUEUE = os.environ["WORK_QUEUE_URL"]


def handler(event, context):
    sqs.send_message_batch(QueueUrl=QUEUE, Entries=[])
    sqs.delete_message_batch(QueueUrl=QUEUE, Entries=[])
    sqs.change_message_visibility_batch(QueueUrl=QUEUE, Entries=[])
    sns.publish_batch(TopicArn=os.environ["ALERTS_TOPIC_ARN"], PublishBatchRequestEntries=[])
