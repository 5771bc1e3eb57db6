import boto3

from app import config
from app.config import ORDERS_TABLE

ddb = boto3.client("dynamodb")


def handler(event, context):
    ddb.put_item(TableName=ORDERS_TABLE, Item={})
    boto3.client("s3").put_object(Bucket=config.ARCHIVE, Key="k")
