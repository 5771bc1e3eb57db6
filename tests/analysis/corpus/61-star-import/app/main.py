from app.clients import *


def handler(event, context):
    sns.publish(TopicArn=TOPIC, Message="m")
