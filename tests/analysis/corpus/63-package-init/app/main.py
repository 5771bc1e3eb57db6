from app.services import orders


def handler(event, context):
    return orders.scan()
