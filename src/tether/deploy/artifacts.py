"""Uploading content-addressed artifacts: a key names its content's hash, so an artifact that is
already in the bucket is never sent again, and a file whose bytes do not match its name (written
over by a concurrent build, or damaged on disk) is never uploaded under it. The templates of a
split project's nested stacks go the same way (`templates/<sha256>.json`), where the root
stack's TemplateURLs expect them."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tether.cloud import Cloud
from tether.errors import TetherError
from tether.synth.nesting import compact, template_key

_ADDRESSED = re.compile(r"(?:^|/)([0-9a-f]{64})\.zip$")


class ArtifactMismatchError(TetherError):
    """A local artifact's bytes do not hash to the name it is uploaded under."""


def upload_templates(cloud: Cloud, bucket: str, templates: Iterable[Mapping[str, Any]]) -> int:
    """Put each template at its content-addressed key unless it is there; return bytes sent."""
    s3 = cloud.client("s3")
    sent = 0
    for template in templates:
        key = template_key(template)
        if _present(cloud, bucket, key):
            continue
        body = compact(template).encode()
        with cloud.guard():
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        sent += len(body)
    return sent


def _present(cloud: Cloud, bucket: str, key: str) -> bool:
    s3 = cloud.client("s3")
    with cloud.guard():
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return True
        except s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey", "NotFound"}:
                raise
    return False


def upload(cloud: Cloud, bucket: str, key: str, path: Path) -> int:
    """Put `path` at `bucket/key` unless it is already there; return the bytes sent.

    A key that names a sha256 (`code/<sha256>.zip`) is checked against the file first."""
    s3 = cloud.client("s3")
    if _present(cloud, bucket, key):
        return 0
    named = _ADDRESSED.search(key)
    # One open file for the check and the upload: a file renamed over it meanwhile (the builds
    # write a temporary file and rename it into place) cannot slip in between.
    with path.open("rb") as body:
        if named is not None:
            if hashlib.file_digest(body, "sha256").hexdigest() != named.group(1):
                raise ArtifactMismatchError(
                    f"{path} does not hold the bytes its name {key} promises; it was not uploaded",
                    hint="another build or deploy may have written it at the same moment; deploy "
                    "again (the artifact is rebuilt)",
                )
            body.seek(0)
        with cloud.guard():
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        return os.fstat(body.fileno()).st_size
