import os

import boto3
import boto3.session

session = boto3.Session(region_name="us-east-1")
sns = session.client("sns")


def handler(event, context):
    sqs = boto3.session.Session().client("sqs")
    sqs.send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody="hi")
    sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="hi")
