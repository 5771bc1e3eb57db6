"""The remote patcher: a Lambda handler that patches a code zip in the artifact bucket.

The client sends only a `Delta` (the changed files, already compressed, as a small zip in the
bucket at `delta_key`) and the names to remove; this function downloads the live artifact
(`source_key`), merges the delta with `tether.build.patch.apply_delta` (no unchanged entry is
recompressed, the result is byte-identical to a full rebuild), stores the result under its
content address `code/<sha256>.zip` and deletes the delta. It runs in Lambda (and in the local
cloud's runtime) with only the stdlib, boto3 and the Tether modules packaged next to it.

Each invocation works in its own private directory (`tempfile.mkdtemp`, mode 0o700), removed
when it returns, whether it succeeded or not. Nothing is shared through a fixed path: the local
cloud runs several workers of one function side by side on one /tmp, and a fixed scratch file
would let two patches overwrite each other's halves. Each process keeps its last result in a
private directory of its own (a process runs one invocation at a time), named by its content
address: a dev loop patches the last result, so the next patch starts without a download.

Event: {"bucket", "source_key", "delta_key", "removed": [...]}.
Result: {"key", "sha256", "size"}.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

import boto3

from tether.build.patch import Delta, apply_delta

SCRATCH_PREFIX = "tether-patcher-"  # of each invocation's private directory under /tmp
ABSENT = {"404", "403", "NoSuchKey", "NotFound", "Forbidden"}  # 403: no s3:ListBucket

_s3: Any = None
_kept: Path | None = None  # this process's private folder for its last result


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
    kept = _kept_folder()
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    try:
        delta = s3.get_object(Bucket=bucket, Key=delta_key)["Body"].read()
        source = kept / _file_name(bucket, source_key)  # the key names it in any error
        if not source.is_file():
            source = scratch / _file_name(bucket, source_key)
            s3.download_file(bucket, source_key, str(source))
        patched = scratch / "patched.zip"
        result = apply_delta(source, patched, Delta(bytes(delta), removed))
        key = f"code/{result.sha256}.zip"
        if not _exists(s3, bucket, key):
            s3.upload_file(str(patched), bucket, key)
        _keep(kept, patched, _file_name(bucket, key))
        return {"key": key, "sha256": result.sha256, "size": result.size}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        with contextlib.suppress(Exception):
            s3.delete_object(Bucket=bucket, Key=delta_key)


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code")) in ABSENT:
            return False
        raise
    return True


def _kept_folder() -> Path:
    global _kept
    if _kept is None or not _kept.is_dir():
        _kept = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}kept-"))
    return _kept


def _file_name(bucket: str, key: str) -> str:
    return f"{bucket}_{key.replace('/', '_')}"


def _keep(kept: Path, patched: Path, name: str) -> None:
    """Keep only the last result (a content-addressed name: it never changes under it)."""
    for old in kept.iterdir():
        with contextlib.suppress(OSError):
            old.unlink()
    with contextlib.suppress(OSError):
        patched.replace(kept / name)
