import os

from app.storage import save


def handler(event, context):
    save(os.environ["THUMBS_BUCKET"], "a", b"")
