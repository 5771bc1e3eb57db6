"""Resize: turn each new upload under incoming/*.jpg into a thumbnail, an order and a work item.

Triggered by S3 `created` events on the uploads bucket; reads each JPEG's width and height.
"""

import json
import os
import posixpath
import urllib.parse

import boto3
from boto3.dynamodb.types import TypeSerializer

s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
sqs = boto3.client("sqs")

THUMBS_BUCKET = os.environ["THUMBS_BUCKET"]
ORDERS_TABLE = os.environ["ORDERS_TABLE"]
WORK_QUEUE_URL = os.environ["WORK_QUEUE_URL"]

PREFIX, SUFFIX = "incoming/", ".jpg"  # the trigger's filter in tether.yaml
SOF_MARKERS = {0xC0, 0xC1, 0xC2}  # start of frame: baseline, extended, progressive
_serialize = TypeSerializer().serialize


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the JPEG's SOF0/SOF2 segment, or None if `data` is not a JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None  # lost sync: not a marker where one must be
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            return None
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in SOF_MARKERS and i + 9 <= len(data):
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        i += 2 + length
    return None


def handler(event, context):
    done = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        width, height = jpeg_size(data) or (None, None)

        # A real downscale needs an image library such as Pillow, which this example avoids, so
        # the "thumbnail" is the original bytes tagged with their size and where they came from.
        thumb_key = "thumbs/" + posixpath.basename(key)
        s3.put_object(
            Bucket=THUMBS_BUCKET,
            Key=thumb_key,
            Body=data,
            ContentType="image/jpeg",
            Metadata={"width": str(width or ""), "height": str(height or ""), "source": key},
        )

        order_id = key.removeprefix(PREFIX).removesuffix(SUFFIX)
        item = {
            "id": order_id,
            "status": "uploaded",
            "source": key,
            "width": width,
            "height": height,
            "thumbnail": thumb_key,
        }
        dynamodb.put_item(TableName=ORDERS_TABLE, Item={k: _serialize(v) for k, v in item.items()})
        message = {"id": order_id, "action": "process"}
        sqs.send_message(QueueUrl=WORK_QUEUE_URL, MessageBody=json.dumps(message))
        done.append({"id": order_id, "thumbnail": thumb_key, "width": width, "height": height})
    return {"processed": len(done), "orders": done}
