import app.util


def handler(event, context):
    app.util.save("k", b"v")
