import boto3

ddb = boto3.client("dynamodb")


def handler(event, context):
    items = build(event)
    ddb.transact_write_items(TransactItems=items)


def build(event):
    return event["items"]
