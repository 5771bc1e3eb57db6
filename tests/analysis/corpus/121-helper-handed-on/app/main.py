import boto3

s3 = boto3.client("s3")


def save(bucket):
    s3.put_object(Bucket=bucket, Key="k")


def a(event, context):
    return sorted(event["items"], key=save)


def b(event, context):
    save("acme-archive")
