import functools
import json
import logging


def json_response(handler):
    @functools.wraps(handler)
    def wrapper(event, context):
        logging.info("calling %s", handler.__name__)
        return {"statusCode": 200, "body": json.dumps(handler(event, context))}

    return wrapper


def cached(func):
    return func
