import json
import os

import boto3

from app.common import audit

s3 = boto3.client("s3")
ddb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
CONFIG = json.loads(s3.get_object(Bucket=os.environ["UPLOADS_BUCKET"], Key="config.json")["Body"].read())
TABLE = os.environ["ORDERS_TABLE"]


def respond(body):
    sqs.send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody=json.dumps(body))
    return {"statusCode": 200, "body": json.dumps(body)}


def get_order(event, context):
    item = ddb.get_item(TableName=TABLE, Key={"id": {"S": event["id"]}})
    return respond(item)


def create_order(event, context):
    ddb.put_item(TableName=TABLE, Item={"id": {"S": event["id"]}})
    audit("created")
    return respond({})
