import os

import boto3

ddb = boto3.client("dynamodb")
sns = boto3.client("sns")
TABLE = os.environ["ORDERS_TABLE"]
AUDIT_TOPIC = os.environ["ALERTS_TOPIC_ARN"]


def get_order(event, context):
    return ddb.get_item(TableName=TABLE, Key={"id": {"S": event["id"]}})


def create_order(event, context):
    ddb.put_item(TableName=TABLE, Item={"id": {"S": event["id"]}})
    sns.publish(TopicArn=AUDIT_TOPIC, Message="created")
