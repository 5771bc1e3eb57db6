import json

import boto3

ses = boto3.client("ses")
lam = boto3.client("lambda")


def handler(event, context):
    ses.send_email(Source="a@example.com", Destination={}, Message={})
    lam.invoke(FunctionName="other", Payload=json.dumps({}))
