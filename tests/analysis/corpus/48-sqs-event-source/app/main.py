import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    for record in event["Records"]:
        sqs.change_message_visibility(
            QueueUrl=record["eventSourceARN"], ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
        )
