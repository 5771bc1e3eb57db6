def handler(event, context):
    from app.lazy import notify

    notify("hello")
