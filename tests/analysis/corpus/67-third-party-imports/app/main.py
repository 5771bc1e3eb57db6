import json
import logging
import os

import boto3
import requests
from botocore.config import Config

s3 = boto3.client("s3", config=Config(retries={"max_attempts": 3}))
log = logging.getLogger()


def handler(event, context):
    data = requests.get("https://example.com").content
    s3.put_object(Bucket=os.environ["UPLOADS_BUCKET"], Key="page", Body=json.dumps(data))
