import functools


def logged(func):
    @functools.wraps(func)
    def wrapper(event, context):
        print("start")
        return func(event, context)

    return wrapper
