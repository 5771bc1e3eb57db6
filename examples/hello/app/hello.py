"""Answers GET /hello/{name} with a plain-text greeting."""


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "text/plain"},
        "body": "hello " + event["pathParameters"]["name"],
    }
