import os

import boto3

ddb = boto3.resource("dynamodb")


class Repo:
    def __init__(self, name):
        self.table = ddb.Table(name)

    def get(self, key):
        return self.table.get_item(Key=key)


orders = Repo(os.environ["ORDERS_TABLE"])
legacy = Repo("legacy-orders")


def handler(event, context):
    return orders.get({"id": "1"}), legacy.get({"id": "2"})
