import boto3

ddb = boto3.client("dynamodb")


def handler(event, context):
    ddb.execute_statement(Statement='SELECT * FROM "legacy-orders"')
    boto3.client("s3").create_session(Bucket="acme-archive")
