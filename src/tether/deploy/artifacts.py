"""Uploading content-addressed artifacts: a key names its content's hash, so an artifact that is
already in the bucket is never sent again, and a file whose bytes do not match its name (written
over by a concurrent build, or damaged on disk) is never uploaded under it. The templates of a
split project's nested stacks go the same way (`templates/<sha256>.json`), where the root
stack's TemplateURLs expect them.

What the live stack names (its code and layer keys, its nested stacks' templates) is not even
checked for (`named_by`): Tether never removes from the bucket what a stack names
(`cleanup.prune_artifacts`), so a deploy that changes no artifact sends no request to S3."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tether.cloud import Cloud
from tether.deploy.stack import DeployedStack
from tether.errors import TetherError
from tether.synth.functions import CODE_BUCKET_PARAMETER
from tether.synth.nesting import NESTED_STACK, TEMPLATE_KEY_PREFIX, compact, template_key

_ADDRESSED = re.compile(r"(?:^|/)([0-9a-f]{64})\.zip$")
_TEMPLATE_KEY = re.compile(re.escape(TEMPLATE_KEY_PREFIX) + r"[0-9a-f]{64}\.json$")


class ArtifactMismatchError(TetherError):
    """A local artifact's bytes do not hash to the name it is uploaded under."""


def named_by(deployed: DeployedStack | None, bucket: str) -> frozenset[str]:
    """The keys of `bucket` the live stack names: its parameters' values (the code and layer
    keys) and its nested stacks' templates; none when it takes its artifacts from another
    bucket (a new bootstrap bucket), or is not alive."""
    if (
        deployed is None
        or not deployed.alive
        or deployed.parameters.get(CODE_BUCKET_PARAMETER) != bucket
    ):
        return frozenset()
    keys = set(deployed.parameters.values())
    for resource in deployed.template.get("Resources", {}).values():
        if resource.get("Type") != NESTED_STACK:
            continue
        url = resource.get("Properties", {}).get("TemplateURL")
        text = url.get("Fn::Sub") if isinstance(url, dict) else url
        found = _TEMPLATE_KEY.search(text) if isinstance(text, str) else None
        if found is not None:
            keys.add(found.group(0))
    return frozenset(keys)


def upload_templates(
    cloud: Cloud,
    bucket: str,
    templates: Iterable[Mapping[str, Any]],
    *,
    there: frozenset[str] = frozenset(),
) -> int:
    """Put each template at its content-addressed key unless it is there (named in `there`, or
    found); return bytes sent."""
    sent = 0
    for template in templates:
        key = template_key(template)
        if key in there or _present(cloud, bucket, key):
            continue
        s3 = cloud.client("s3")
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


def upload(
    cloud: Cloud, bucket: str, key: str, path: Path, *, there: frozenset[str] = frozenset()
) -> int:
    """Put `path` at `bucket/key` unless it is already there (named in `there`, or found);
    return the bytes sent.

    A key that names a sha256 (`code/<sha256>.zip`) is checked against the file first."""
    if key in there or _present(cloud, bucket, key):
        return 0
    s3 = cloud.client("s3")
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
