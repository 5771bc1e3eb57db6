import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    url = sqs.get_queue_url(QueueName="inbox")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    boto3.resource("sqs").get_queue_by_name(QueueName="inbox").send_messages(Entries=[])
