import os

import boto3


class Repository:
    def __init__(self, table_name):
        self.table = boto3.resource("dynamodb").Table(table_name)


class Orders(Repository):
    def __init__(self):
        super().__init__(os.environ["ORDERS_TABLE"])

    def add(self, item):
        self.table.put_item(Item=item)


def handler(event, context):
    Orders().add({"id": "1"})
