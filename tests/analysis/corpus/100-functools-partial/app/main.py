import functools
import os
from functools import partial

import boto3

s3 = boto3.client("s3")
put = partial(s3.put_object, Bucket=os.environ["THUMBS_BUCKET"])
send = functools.partial(boto3.client("sqs").send_message, QueueUrl=os.environ["WORK_QUEUE_URL"])


def handler(event, context):
    put(Key="k", Body=b"x")
    send(MessageBody="m")
