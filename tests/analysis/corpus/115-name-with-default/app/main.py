import os

import boto3

s3 = boto3.client("s3")
sns = boto3.client("sns")


def handler(event, context):
    bucket = event.get("target_bucket", os.environ["THUMBS_BUCKET"])
    s3.put_object(Bucket=bucket, Key="k", Body=b"")
    s3.get_object(Bucket=event.get("source", "acme-archive"), Key="k")
    s3.delete_object(Bucket=os.environ.get("CLEANUP_TARGET", "acme-archive"), Key="k")
    sns.publish(TopicArn=os.getenv("ALERTS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:partner-events"), Message="m")
    sns.publish(TopicArn=os.getenv("NOTIFY_TARGET", "arn:aws:sns:us-east-1:123456789012:partner-events"), Message="m")
    s3.head_object(Bucket=event.get("params", {}).get("bucket"), Key="k")
