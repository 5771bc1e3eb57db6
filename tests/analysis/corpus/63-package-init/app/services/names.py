import os

ORDERS = os.environ["ORDERS_TABLE"]
