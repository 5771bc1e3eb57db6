import boto3

from .names import ORDERS

dynamodb = boto3.resource("dynamodb")
orders = dynamodb.Table(ORDERS)
