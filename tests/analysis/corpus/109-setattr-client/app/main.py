import os

import boto3


class Service:
    def __init__(self):
        setattr(self, "client", boto3.client("s3"))

    def run(self):
        self.client.put_object(Bucket=os.environ["THUMBS_BUCKET"], Key="k")


def handler(event, context):
    Service().run()
