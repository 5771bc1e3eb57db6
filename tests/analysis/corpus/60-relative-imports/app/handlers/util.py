import boto3

sqs = boto3.client("sqs")
