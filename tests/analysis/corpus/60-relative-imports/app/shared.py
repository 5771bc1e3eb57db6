import os

QUEUE = os.environ["WORK_QUEUE_URL"]
