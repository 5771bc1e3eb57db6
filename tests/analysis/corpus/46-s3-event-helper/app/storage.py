import boto3

client = boto3.client("s3")


def fetch(bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()
