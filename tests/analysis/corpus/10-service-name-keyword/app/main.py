import os

import boto3

SERVICE = "sns"
sns = boto3.client(service_name=SERVICE)
s3 = boto3.resource(service_name="s3")


def handler(event, context):
    sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")
    s3.Bucket(os.environ["UPLOADS_BUCKET"]).delete_objects(Delete={"Objects": []})
