import helpers
import lib


def handler(event, context):
    lib.sqs.send_message(QueueUrl=lib.QUEUE, MessageBody="m")
    helpers.archive("k")
