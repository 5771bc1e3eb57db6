"""Uploading content-addressed artifacts: a key names its content's hash, so an artifact that is
already in the bucket is never sent again."""

from __future__ import annotations

from pathlib import Path

from tether.cloud import Cloud


def upload(cloud: Cloud, bucket: str, key: str, path: Path) -> int:
    """Put `path` at `bucket/key` unless it is already there; return the bytes sent."""
    s3 = cloud.client("s3")
    with cloud.guard():
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return 0
        except s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey", "NotFound"}:
                raise
        size = path.stat().st_size
        with path.open("rb") as body:
            s3.put_object(Bucket=bucket, Key=key, Body=body)
    return size
