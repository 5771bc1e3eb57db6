import os

import boto3

ddb = boto3.client("dynamodb")


def handler(event, context):
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": os.environ["ORDERS_TABLE"], "Item": {}}},
            {"Update": {"TableName": "legacy-orders", "Key": {}, "UpdateExpression": "SET a=:a"}},
            {"ConditionCheck": {"TableName": "legacy-orders", "Key": {}}},
        ]
    )
    ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "legacy-orders", "Key": {}}}])
