from app import common, images


def handler(event, context):
    images.store("k", b"v")
    common.alert("resized")
