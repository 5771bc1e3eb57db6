import os

import boto3

sqs = boto3.client("sqs")
s3 = boto3.client("s3")


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["THUMBS_BUCKET"], MessageBody="m")
    boto3.client("sns").publish(TopicArn="arn:aws:sqs:us-east-1:123456789012:inbox", Message="m")
    s3.put_object(Bucket="legacy-orders", Key="k")
