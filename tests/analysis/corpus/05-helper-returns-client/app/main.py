import os

import boto3


def make_client(service):
    return boto3.client(service, region_name="us-east-1")


def get_table_client():
    return make_client("dynamodb")


def handler(event, context):
    get_table_client().update_item(TableName=os.environ["ORDERS_TABLE"], Key={})
    make_client("sns").publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")
