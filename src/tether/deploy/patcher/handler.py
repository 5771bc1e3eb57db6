"""The remote patcher: a Lambda handler that patches a code zip in the artifact bucket.

The client sends only a `Delta` (the changed files, already compressed, as a small zip in the
bucket at `delta_key`) and the names to remove; this function downloads the live artifact
(`source_key`), merges the delta with `tether.build.patch.apply_delta` (no unchanged entry is
recompressed, the result is byte-identical to a full rebuild), stores the result under its
content address `code/<sha256>.zip` and deletes the delta. It runs in Lambda (and in the local
cloud's runtime) with only the stdlib, boto3 and the Tether modules packaged next to it.

Event: {"bucket", "source_key", "delta_key", "removed": [...]}.
Result: {"key", "sha256", "size"}.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import boto3

from tether.build.patch import Delta, apply_delta

CACHE = "tether-patcher"  # under the temporary directory: the last artifact, by its key
ABSENT = {"404", "403", "NoSuchKey", "NotFound", "Forbidden"}  # 403: no s3:ListBucket

_s3: Any = None


def _client() -> Any:
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3")
    return _s3


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket = str(event["bucket"])
    source_key = str(event["source_key"])
    delta_key = str(event["delta_key"])
    removed = tuple(str(name) for name in event.get("removed", ()))
    s3 = _client()
    try:
        delta = s3.get_object(Bucket=bucket, Key=delta_key)["Body"].read()
        cache = Path(tempfile.gettempdir()) / CACHE
        cache.mkdir(parents=True, exist_ok=True)
        source = _source(s3, bucket, source_key, cache)
        staging = cache / "patched.zip"
        result = apply_delta(source, staging, Delta(bytes(delta), removed))
        key = f"code/{result.sha256}.zip"
        if not _exists(s3, bucket, key):
            s3.upload_file(str(staging), bucket, key)
        # keep the result as the next patch's source: a dev loop patches the last result
        kept = cache / _file_name(key)
        os.replace(staging, kept)
        for old in cache.glob("*.zip"):
            if old != kept and old != source:
                with contextlib.suppress(OSError):
                    old.unlink()
        if source != kept:
            with contextlib.suppress(OSError):
                source.unlink()
        return {"key": key, "sha256": result.sha256, "size": result.size}
    finally:
        with contextlib.suppress(Exception):
            s3.delete_object(Bucket=bucket, Key=delta_key)


def _file_name(key: str) -> str:
    return key.replace("/", "_")


def _source(s3: Any, bucket: str, key: str, cache: Path) -> Path:
    """The artifact at `key`, from the cache (keys are content addresses) or downloaded."""
    path = cache / _file_name(key)
    if not path.is_file():
        partial = cache / "download.part"
        s3.download_file(bucket, key, str(partial))
        os.replace(partial, path)
    return path


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code")) in ABSENT:
            return False
        raise
    return True
