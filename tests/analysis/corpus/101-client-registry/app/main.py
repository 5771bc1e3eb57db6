import os

import boto3

CLIENTS = {}
for name in ("s3", "sqs"):
    CLIENTS[name] = boto3.client(name)
RESOURCES = {"dynamodb": boto3.resource("dynamodb")}


def handler(event, context):
    CLIENTS["s3"].put_object(Bucket=os.environ["THUMBS_BUCKET"], Key="k")
    CLIENTS["sqs"].send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody="m")
    RESOURCES["dynamodb"].Table(os.environ["ORDERS_TABLE"]).scan()
