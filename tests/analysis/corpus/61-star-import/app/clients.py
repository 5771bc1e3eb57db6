import os

import boto3

s3 = boto3.client("s3")
sns = boto3.client("sns")
TOPIC = os.environ["ALERTS_TOPIC_ARN"]
_private = boto3.client("sqs")
