import boto3

boto3.client("s3").put_object(Bucket="acme-archive", Key="audit")
