import importlib


def handler(event, context):
    plugin = importlib.import_module("app.plugins." + event["plugin"])
    other = __import__("app.plugins.audit")
    return plugin, other
