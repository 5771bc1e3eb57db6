from . import store
from ..shared import QUEUE
from .util import sqs


def handler(event, context):
    sqs.send_message(QueueUrl=QUEUE, MessageBody="m")
    store.s3.list_objects_v2(Bucket=store.BUCKET)
