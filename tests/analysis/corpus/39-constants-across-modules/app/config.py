import os

ORDERS_TABLE = os.environ["ORDERS_TABLE"]
ARCHIVE = "acme-archive"
