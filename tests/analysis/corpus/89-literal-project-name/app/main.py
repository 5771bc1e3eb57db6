import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket="thumbs", Key="k")
