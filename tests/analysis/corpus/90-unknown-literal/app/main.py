import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.get_object(Bucket="someone-elses-bucket", Key="k")
