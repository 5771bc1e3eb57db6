import os

import boto3


class Store:
    def __init__(self):
        self.s3 = boto3.client("s3")
        self.bucket = os.environ["THUMBS_BUCKET"]

    def save(self, key, data):
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)

    def load(self, key):
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()


store = Store()


def handler(event, context):
    store.save("k", b"v")
