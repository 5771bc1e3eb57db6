import os

import botocore.session

sqs = botocore.session.get_session().create_client("sqs")


def handler(event, context):
    sqs.purge_queue(QueueUrl=os.environ["WORK_QUEUE_URL"])
