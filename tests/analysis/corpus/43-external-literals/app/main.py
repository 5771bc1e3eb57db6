import boto3

ddb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
LEGACY_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/legacy-orders"


def handler(event, context):
    ddb.get_item(TableName="legacy-orders", Key={})
    ddb.query(TableName=LEGACY_ARN)
    sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/inbox", MessageBody="m")
