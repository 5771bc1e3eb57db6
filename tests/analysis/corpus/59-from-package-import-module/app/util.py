import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
