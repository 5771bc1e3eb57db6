import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    return table.query(IndexName="by_usr", KeyConditionExpression="user = :u")
