"""Remote patching: patch a code zip in the artifact bucket so the client sends only the change.

The quick path calls `remote_patch` for big artifacts (or with `--patch remote`): it puts the
`Delta` (the changed files, compressed, as `make_delta` writes them) at `deltas/<uuid>.zip` and
invokes the bootstrap stack's patcher function, which merges it into the live artifact
server-side and stores the result under its content address. The bytes sent grow with the
change, not with the artifact.

`patcher_package` builds the patcher's code zip, deterministically, from Tether's own
stdlib-only patching modules and the handler in `tether/deploy/patcher/handler.py`.
"""

from __future__ import annotations

import functools
import json
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tether.build.archive import Entry, write_zip
from tether.build.patch import Delta
from tether.cloud import Cloud
from tether.errors import TetherError

REMOTE_PATCH_THRESHOLD = 5 * 1024 * 1024  # bytes: patch remotely when the live artifact is bigger
PATCH_MODES = ("auto", "local", "remote")
HANDLER_MODULE = "tether_patcher"
PATCHER_HANDLER = f"{HANDLER_MODULE}.handler"
DELTA_PREFIX = "deltas/"

_PACKAGE = Path(__file__).resolve().parent.parent  # src/tether
# Modules the patcher runs, as (path inside the zip, path under src/tether); they import only
# the stdlib and each other. The package stubs are empty: the real __init__ files import more.
_MODULES = (
    ("tether/build/archive.py", "build/archive.py"),
    ("tether/build/zipindex.py", "build/zipindex.py"),
    ("tether/build/patch.py", "build/patch.py"),
    ("tether/errors.py", "errors.py"),
    (f"{HANDLER_MODULE}.py", "deploy/patcher/handler.py"),
)
_STUBS = ("tether/__init__.py", "tether/build/__init__.py")


class RemotePatchError(TetherError):
    """The patcher function failed; the live code is unchanged."""


@dataclass(frozen=True)
class PatcherPackage:
    data: bytes
    sha256: str

    @property
    def key(self) -> str:
        """Where the bootstrap stack's patcher code lives in the artifact bucket."""
        return f"tether/patcher-{self.sha256[:12]}.zip"


@dataclass(frozen=True)
class RemotePatch:
    key: str  # code/<sha256>.zip, in the artifact bucket
    sha256: str
    size: int
    sent_bytes: int  # delta upload + invoke payload


@functools.cache
def patcher_package() -> PatcherPackage:
    """The patcher's code zip (same Tether source, same bytes), built once per process."""
    with tempfile.TemporaryDirectory(prefix="tether-patcher-") as tmp:
        folder = Path(tmp)
        entries = [Entry(name, _PACKAGE / source) for name, source in _MODULES]
        for stub in _STUBS:
            path = folder / "stubs" / stub
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
            entries.append(Entry(stub, path))
        written = write_zip(entries, folder / "out", lambda sha: "patcher.zip")
        return PatcherPackage(written.path.read_bytes(), written.sha256)


def remote_patch(
    cloud: Cloud, function: str, bucket: str, source_key: str, delta: Delta
) -> RemotePatch:
    """Patch `bucket/source_key` with `delta` through the patcher function `function`."""
    s3 = cloud.client("s3")
    lam = cloud.client("lambda")
    delta_key = f"{DELTA_PREFIX}{uuid.uuid4().hex}.zip"
    event = {
        "bucket": bucket,
        "source_key": source_key,
        "delta_key": delta_key,
        "removed": list(delta.removed),
    }
    payload = json.dumps(event, separators=(",", ":")).encode()
    with cloud.guard():
        s3.put_object(Bucket=bucket, Key=delta_key, Body=delta.entries)
        try:
            answer = lam.invoke(
                FunctionName=function, InvocationType="RequestResponse", Payload=payload
            )
        except BaseException:
            s3.delete_object(Bucket=bucket, Key=delta_key)  # the patcher may never have run
            raise
        body = answer["Payload"].read()
    try:
        result: Any = json.loads(body) if body else None
    except ValueError:
        result = None
    if answer.get("FunctionError") or not isinstance(result, dict) or "key" not in result:
        message = result.get("errorMessage") if isinstance(result, dict) else None
        raise RemotePatchError(
            f"the remote patcher {function} failed: {message or body[:300]!r}",
            hint="deploy with --patch local, or without --quick for a full deploy",
        )
    try:
        return RemotePatch(
            key=str(result["key"]),
            sha256=str(result["sha256"]),
            size=int(result["size"]),
            sent_bytes=len(delta.entries) + len(payload),
        )
    except (KeyError, TypeError, ValueError):
        raise RemotePatchError(
            f"the remote patcher {function} gave an answer Tether cannot read: {body[:300]!r}",
            hint="deploy with --patch local, or run a full deploy to update the patcher",
        ) from None
