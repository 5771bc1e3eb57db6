import os

import boto3

sqs = boto3.client("sqs")
sns = boto3.client("sns")
QUEUE = os.environ.get("WORK_QUEUE_URL")
TOPIC = os.getenv("ALERTS_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:local")
BUCKET = os.environ.get("THUMBS_BUCKET") or "local-thumbs"


def handler(event, context):
    sqs.send_message(QueueUrl=QUEUE, MessageBody="m")
    sns.publish(TopicArn=TOPIC, Message="m")
    boto3.client("s3").put_object(Bucket=BUCKET, Key="k")
