import os

import boto3

sqs = boto3.client("sqs")
QUEUE = os.environ["WORK_QUEUE_URL"]
