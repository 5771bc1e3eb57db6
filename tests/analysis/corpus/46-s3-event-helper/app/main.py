from app.events import bucket_and_key
from app.storage import fetch


def handler(event, context):
    for i, record in enumerate(event["Records"]):
        bucket, key = bucket_and_key(record)
        fetch(bucket, key)
