import boto3

sns = boto3.client("sns")


def handler(event, context):
    for record in event["Records"]:
        sns.publish(TopicArn=record["Sns"]["TopicArn"], Message="echo")
