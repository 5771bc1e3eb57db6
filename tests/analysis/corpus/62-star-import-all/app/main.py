from app.names import *


def handler(event, context):
    client.put_object(Bucket=BUCKET, Key="k")
