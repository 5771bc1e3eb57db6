import os

import boto3
from webkit import App

app = App()
ROUTES = {}
s3 = boto3.client("s3")


def route(name):
    def register(fn):
        ROUTES[name] = fn
        return fn

    return register


@route("put")
def put(event):
    s3.put_object(Bucket=os.environ["UPLOADS_BUCKET"], Key="k", Body=b"")


@app.get("/thumbs")
def list_thumbs():
    return s3.list_objects_v2(Bucket=os.environ["THUMBS_BUCKET"])


def remove(event):
    s3.delete_object(Bucket=os.environ["UPLOADS_BUCKET"], Key="k")


def handler(event, context):
    if "rawPath" in event:
        return app.resolve(event, context)
    return ROUTES[event["op"]](event)


def at_import(fn):
    fn()
    return fn


@at_import
def warm():
    s3.get_object(Bucket="acme-archive", Key="warm")
