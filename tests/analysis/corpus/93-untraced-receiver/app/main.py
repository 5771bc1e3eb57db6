import os

from dblib import connect


def store(db, item):
    db.put_item(TableName=os.environ.get("ORDERS_TABLE"), Item=item)


def handler(event, context):
    store(connect(), {"id": "1"})
