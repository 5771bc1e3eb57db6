from app import storage


def handler(event, context):
    storage.save("acme-archive", "b", b"")
