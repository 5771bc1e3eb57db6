import boto3

s3 = boto3.client("s3")


def handler(event, context):
    record = event["Records"][0]
    s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=record["s3"]["object"]["key"])
