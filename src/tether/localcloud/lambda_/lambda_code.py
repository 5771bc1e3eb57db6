"""Code zips of the local cloud's functions and layers: on disk by digest, not in memory.

moto reads a function's (or layer version's) zip whole, from S3 or from the request, and keeps
it in its model (`code_bytes`): one copy per function and version, so twenty functions sharing
one 50 MB code zip hold 1 GB, and every snapshot of the local cloud's state pickles them all.
Here moto's two readers (`_zipfile_content`, `_s3_content`) write the zip once to

    $TETHER_HOME/local/state/code/<sha256>.zip

beside the snapshot that refers to it (wiped with it by `tether local stop --forget`), and
leave `code_bytes` empty: the runtime unpacks from that file (`source_for`), and Lambda's
limits read its unzipped size from there (`unzipped_size`). A zip sent whole in a request also
leaves the model's `code` once stored (`lean`), and a stored zip that is missing (wiped by
hand) is stored again from the S3 object it came from, when that still holds it. What nothing
refers to any more is removed by `lambda_code_sweep`.

The zips still pass through the server's memory on their way in and out (a 50 MB S3 PUT of
a quick deploy's code, the patcher's GET): glibc keeps freed buffers of up to 32 MB in the
arena of each thread that used them, so every such request left the server bigger. `install`
fixes its threshold (`return_big_buffers`): a buffer over 1 MB is mapped on its own and given
back to the system when freed.

Hooks: replaces `moto.awslambda.models._zipfile_content` and `_s3_content`.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import hashlib
import os
import sys
import threading
import time
import uuid
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.awslambda import models as lambda_models
from moto.s3.exceptions import MissingBucket, MissingKey
from moto.s3.models import FakeKey, s3_backends
from moto.utilities.utils import get_partition

from tether.localcloud import limits
from tether.localcloud._patching import replace
from tether.localcloud.home import state_dir, tether_home
from tether.runtime.spec import CodeSource

STORE_DIR = "code"  # under the state folder

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 1 << 20  # bytes: bigger buffers are mapped alone, and unmapped when freed


@dataclass(frozen=True)
class Stored:
    """A zip in the store: its digest (hex and base64, as Lambda's CodeSha256) and size."""

    sha256: str
    size: int

    @property
    def code_sha256(self) -> str:
        return base64.b64encode(bytes.fromhex(self.sha256)).decode()


class CodeStore:
    """Zips by sha256 under the local cloud's state folder of `home`."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.folder = state_dir(home) / STORE_DIR
        self._lock = threading.Lock()
        self._stored_at: dict[str, float] = {}  # sha256 -> when last stored (monotonic)
        self._sizes: dict[str, int] = {}  # sha256 -> unzipped size (a zip never changes)
        # S3 objects already stored: moto never changes an object's bytes (a PUT makes a new
        # FakeKey), so the object is the key; gone with it.
        self._objects: weakref.WeakKeyDictionary[FakeKey, Stored] = weakref.WeakKeyDictionary()

    def path(self, sha256: str) -> Path:
        return self.folder / f"{sha256}.zip"

    def put(self, data: bytes) -> Stored:
        """Store `data` (once per content) and return what it is."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        with self._lock:
            self._stored_at[sha256] = time.monotonic()
        if not target.is_file():
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = self.folder / f".{sha256[:12]}-{uuid.uuid4().hex[:8]}.tmp"
            try:
                with partial.open("wb") as out:
                    out.write(data)
                os.replace(partial, target)  # whole or not at all, as the snapshot beside it
            finally:
                with contextlib.suppress(OSError):
                    partial.unlink()
        return Stored(sha256, len(data))

    def put_object(self, key: FakeKey) -> Stored:
        """Store an S3 object's bytes (read once per object)."""
        with self._lock:
            known = self._objects.get(key)
        if known is not None and self.path(known.sha256).is_file():
            with self._lock:
                self._stored_at[known.sha256] = time.monotonic()
            return known
        stored = self.put(key.value)
        with self._lock:
            self._objects[key] = stored
        return stored

    def unzipped_size(self, sha256: str) -> int:
        """What the stored zip unzips to (0 when it is missing or not a zip)."""
        with self._lock:
            known = self._sizes.get(sha256)
        if known is not None:
            return known
        try:
            with zipfile.ZipFile(self.path(sha256)) as opened:
                size = sum(info.file_size for info in opened.infolist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return 0
        with self._lock:
            self._sizes[sha256] = size
        return size

    def stored(self) -> list[str]:
        """The sha256 of every zip in the store."""
        if not self.folder.is_dir():
            return []
        return [p.name[:-4] for p in self.folder.iterdir() if p.name.endswith(".zip")]

    def recent(self, sha256: str, within: float) -> bool:
        with self._lock:
            when = self._stored_at.get(sha256)
        return when is not None and time.monotonic() - when < within

    def remove(self, sha256: str) -> None:
        with self._lock:
            self._stored_at.pop(sha256, None)
            self._sizes.pop(sha256, None)
        with contextlib.suppress(OSError):
            self.path(sha256).unlink()


class _Installed:
    """The store of this process's local cloud, made when it is installed (the hooks that
    replace moto's functions find it here)."""

    store: CodeStore | None = None


def store() -> CodeStore:
    if _Installed.store is None:
        _Installed.store = CodeStore(tether_home())
    return _Installed.store


def source_for(model: Any) -> CodeSource:
    """The code of a function or layer version (moto's model) as the runtime reads it: from the
    store, or from bytes a snapshot written before the store kept in the model."""
    data: bytes = getattr(model, "code_bytes", b"") or b""
    digest: str = getattr(model, "code_digest", "") or ""
    if data:
        return CodeSource(digest or hashlib.sha256(data).hexdigest(), lambda: data)
    if not digest:
        return CodeSource("", lambda: b"")
    path = store().path(digest)
    if not path.is_file():
        _restore(model, digest)
    return CodeSource(digest, path.read_bytes, path=str(path))


def _restore(model: Any, digest: str) -> None:
    """Store again a zip that is missing (wiped by hand, or removed by a sweep just before a
    crash brought back an older state) from the S3 object it came from, if that still holds
    the same bytes; else the invocation says the code cannot be unpacked."""
    code = getattr(model, "code", None) or getattr(model, "content", None) or {}
    if not isinstance(code, dict) or "S3Bucket" not in code or "S3Key" not in code:
        return
    try:
        key = s3_backends[model.account_id][get_partition(model.region)].get_object(
            str(code["S3Bucket"]), str(code["S3Key"])
        )
    except (MissingBucket, MissingKey):
        return
    if key is not None and hashlib.sha256(key.value).hexdigest() == digest:
        store().put_object(key)


def unzipped_size(model: Any) -> int:
    """What a function's or layer version's code unzips to."""
    data: bytes = getattr(model, "code_bytes", b"") or b""
    if data:
        return limits.unzipped_size(data)
    digest: str = getattr(model, "code_digest", "") or ""
    return store().unzipped_size(digest) if digest else 0


def object_unzipped_size(key: FakeKey) -> int:
    """What an S3 object holding a zip unzips to (it is stored: moto reads it next)."""
    return store().unzipped_size(store().put_object(key).sha256)


# moto's readers ------------------------------------------------------------------------------


def _zipfile_content(zipfile_content: str | bytes) -> tuple[bytes, int, str, str]:
    """moto's: (bytes, size, base64 sha256, hex sha256) of a zip sent in the request; here
    the bytes go to the store and none are returned."""
    try:
        data = base64.b64decode(bytes(zipfile_content, "utf-8"))  # type: ignore[arg-type]
    except Exception:  # as moto: bytes, or text that is not base64
        data = base64.b64decode(zipfile_content)
    stored = store().put(data)
    return b"", stored.size, stored.code_sha256, stored.sha256


def _s3_content(key: FakeKey) -> tuple[bytes, int, str, str]:
    """moto's, for code in S3: the object is stored (read once), no bytes returned."""
    stored = store().put_object(key)
    return b"", stored.size, stored.code_sha256, stored.sha256


def lean(model: Any) -> None:
    """Drop the zip a request sent whole from a function's or layer version's `code` (moto
    keeps it there, base64, though it reads it only when the model is made or updated), once
    it is in the store."""
    sent = getattr(model, "code", None)
    if not isinstance(sent, dict):
        sent = getattr(model, "content", None)
    if isinstance(sent, dict) and sent.get("ZipFile") and getattr(model, "code_digest", ""):
        sent.pop("ZipFile", None)


def return_big_buffers() -> bool:
    """Make glibc map every buffer over `MMAP_THRESHOLD` on its own (its default threshold
    grows up to 32 MB as buffers are freed, and what is under it stays in the arenas);
    whether it took (Linux with glibc only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def install() -> None:
    return_big_buffers()
    home = tether_home()
    if _Installed.store is None or _Installed.store.home != home:
        _Installed.store = CodeStore(home)
    replace(lambda_models, "_zipfile_content", _zipfile_content)
    replace(lambda_models, "_s3_content", _s3_content)
