import os

import boto3

s3 = boto3.client("s3")
sqs = boto3.client("sqs")
BUCKET = os.environ["UPLOADS_BUCKET"]


def handler(event, context):
    try:
        s3.head_object(Bucket=BUCKET, Key="k")
    except s3.exceptions.ClientError:
        s3.put_object(Bucket=BUCKET, Key="k")
    finally:
        pass
    bodies = [s3.get_object(Bucket=BUCKET, Key=k)["Body"] for k in event.get("keys", [])]
    while bodies:
        bodies.pop()
        sqs.send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody="m")
