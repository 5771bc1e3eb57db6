import os

import app.store as store
from app import util


def handler(event, context):
    util.table.put_item(Item={})
    store.sqs.send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody="m")
