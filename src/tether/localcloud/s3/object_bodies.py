"""S3's part of the local cloud's snapshot: object bodies on disk by digest, beside the pickle.

moto keeps an object's bytes in its `FakeKey._value_buffer` (a SpooledTemporaryFile: in memory
up to 5 MB, in a temporary file beyond), and its `__getstate__` copies them into the pickle: a
snapshot held every body in memory at once (the pickler keeps what it pickled until the end)
and wrote them all again every few seconds. Here the snapshot's pickler reduces a key
(`snapshot_reducers`) to its other fields and a reference to its body, which is written once,
streamed from the buffer in chunks, to

    $TETHER_HOME/local/state/objects/<sha256>

and so costs the snapshot a few bytes: writing one needs memory that does not grow with the
bodies. A body of at most `INLINE` bytes (less than a file's block) stays in the pickle. The
bodies a snapshot refers to are made durable before it is renamed into place (`sync`), so a
crash leaves the previous snapshot with all its bodies, or the new one with all of its; once
it is, the bodies no snapshot refers to go (`sweep`). A body is written once per key: moto
never changes a key's bytes after making it (a PUT makes a new FakeKey), and the digest is
remembered for the key's buffer and size (a new buffer, or a new size, is a new body).

Loaded back, a key's buffer is a `StoredBody`: the bytes stay on disk and are read when moto
asks for them (a GET, an ETag), and a later snapshot refers to the same file without reading
it. The file of each body is checked (there, and of its size) at load: a missing one refuses
the whole state, as a damaged snapshot is refused. `persistence.load` binds the keys' loader
to the store of its home (`loaders`).

Every version of a versioned bucket is kept too: moto's `_VersionedKeyStore` is a dict whose
`items()` gives the latest version of each key only, which is all a plain pickle saved.

Reads (without replacing) `FakeKey._value_buffer`, `FakeKey._max_buffer_size`, `FakeKey.lock`
and `moto.s3.utils._VersionedKeyStore`.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import os
import sys
import tempfile
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.s3.models import FakeKey
from moto.s3.utils import _VersionedKeyStore
from moto.settings import get_s3_default_key_buffer_size

from tether.localcloud.home import state_dir

OBJECTS_DIR = "objects"  # under the state folder
INLINE = 4096  # bytes: a body this small stays in the pickle (a file would take a block)
CHUNK = 1 << 20  # bytes read from a buffer at a time
SYNC_EACH = 32  # new bodies made durable one by one; more at once: the whole file system
BODY = "_tether_body"  # the field of a key's pickled state that holds its body (or reference)

Buffer = tempfile.SpooledTemporaryFile[bytes]


@dataclass(frozen=True)
class BodyRef:
    """An object's bytes in the store: its sha256 (hex) and size."""

    sha256: str
    size: int


class MissingBody(Exception):
    """A snapshot refers to a body the store lacks (or holds at another size)."""


class BodyStore:
    """Object bodies by sha256 under the state folder of `home`. One per snapshotter: it
    remembers the bodies it wrote (for the keys alive) and those not yet durable."""

    def __init__(self, home: Path) -> None:
        self.folder = state_dir(home) / OBJECTS_DIR
        # key -> (its buffer and size when written, its body): valid while the key keeps
        # that buffer at that size, and the file is there (gone with the key)
        self._written: weakref.WeakKeyDictionary[FakeKey, tuple[Any, int, BodyRef]] = (
            weakref.WeakKeyDictionary()
        )
        self._unsynced: set[str] = set()  # written, not yet durable
        self._kept: frozenset[str] | None = None  # what the last sweep kept
        self._wrote = False  # whether a body was written since

    def path(self, sha256: str) -> Path:
        return self.folder / sha256

    def body_of(self, key: FakeKey) -> BodyRef | bytes:
        """What a snapshot holds of the key's bytes: a reference to them in the store (written
        now unless they are already), or the bytes themselves when they are few."""
        buffer = getattr(key, "_value_buffer", None)
        if isinstance(buffer, StoredBody):
            ref = buffer.ref if buffer.path.parent == self.folder else None
            if ref is not None:
                return ref  # restored from this store, unchanged
        known = self._known(key, buffer)
        if known is not None:
            return known
        with key.lock:
            if buffer is None or buffer.closed:
                return b""  # disposed of (deleted): moto saves it empty too
            if key.contentsize <= INLINE:
                buffer.seek(0)
                data: bytes = buffer.read()
                return data
            ref = self._write(buffer)
        self._written[key] = (buffer, ref.size, ref)
        return ref

    def _known(self, key: FakeKey, buffer: Any) -> BodyRef | None:
        """The body written for the key, if it still has it."""
        known = self._written.get(key)
        if known is None or known[0] is not buffer or known[1] != key.contentsize:
            return None
        return known[2] if self.path(known[2].sha256).is_file() else None

    def _write(self, buffer: Any) -> BodyRef:
        """Stream the buffer into the store (under its digest; once per content)."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = self.folder / f".{uuid.uuid4().hex}.tmp"
        digest = hashlib.sha256()
        size = 0
        try:
            with partial.open("wb") as out:
                buffer.seek(0)
                while chunk := buffer.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            sha256 = digest.hexdigest()
            target = self.path(sha256)
            if not target.is_file():
                os.replace(partial, target)
                self._wrote = True
            self._unsynced.add(sha256)  # (a body a failed snapshot wrote is synced by the next)
        finally:
            with contextlib.suppress(OSError):
                partial.unlink()
        return BodyRef(sha256, size)

    def sync(self) -> int:
        """Make the bodies written since the last sync durable (before the snapshot that
        refers to them is); how many."""
        paths = [self.path(sha256) for sha256 in sorted(self._unsynced)]
        if not paths:
            return 0
        if len(paths) <= SYNC_EACH or not _sync_file_system(self.folder):
            for path in paths:
                with contextlib.suppress(FileNotFoundError):
                    _fsync(path)
        _fsync(self.folder)
        _fsync(self.folder.parent)  # (the folder's own entry, when it is new)
        self._unsynced.clear()
        return len(paths)

    def sweep(self, keep: set[str]) -> int:
        """Remove the bodies (and the temporary files of an interrupted snapshot) but `keep`,
        those of the snapshot just saved; how many went. Call it once that snapshot is in
        place: a crash brings back that one."""
        kept = frozenset(keep)
        if (kept == self._kept and not self._wrote) or not self.folder.is_dir():
            return 0  # nothing to remove
        self._wrote = False
        removed = 0
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name in kept:
                    continue
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
                self._unsynced.discard(entry.name)
        self._kept = kept
        return removed

    def open(self, ref: BodyRef, max_size: int) -> StoredBody:
        """A restored key's buffer; MissingBody when the store lacks the body."""
        path = self.path(ref.sha256)
        try:
            size = path.stat().st_size
        except OSError:
            raise MissingBody(f"{path} is missing") from None
        if size != ref.size:
            raise MissingBody(f"{path} holds {size} bytes, not {ref.size}")
        return StoredBody(path, ref, max_size)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file_system(folder: Path) -> bool:
    """syncfs(2) on the file system of `folder` (Linux): many new files made durable at once,
    where an fsync each takes milliseconds each; whether it was done."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        return bool(syncfs(fd) == 0)
    finally:
        os.close(fd)


class StoredBody:
    """A restored key's `_value_buffer`: its bytes read from the store when moto asks (moto
    seeks, reads, and on a new value truncates and writes; it closes the buffer when it
    disposes of the key). Anything else, or a write, first copies the bytes into a buffer of
    moto's kind, which is used from then on (and `ref` is None: the body changed)."""

    def __init__(self, path: Path, ref: BodyRef, max_size: int) -> None:
        self.path = path
        self.ref: BodyRef | None = ref
        self.max_size = max_size
        self._position = 0
        self._closed = False
        self._copy: Buffer | None = None
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._copy.closed if self._copy is not None else self._closed

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if self._copy is not None:
            return self._copy.seek(offset, whence)
        self._check_open()
        size = self.ref.size if self.ref is not None else 0
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: size}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        if self._copy is not None:
            return self._copy.tell()
        self._check_open()
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        if self._copy is not None:
            return self._copy.read(-1 if size is None else size)
        self._check_open()
        with self.path.open("rb") as stored:
            stored.seek(self._position)
            data = stored.read() if size is None or size < 0 else stored.read(size)
        self._position += len(data)
        return data

    def truncate(self, size: int | None = None) -> int:
        if self._copy is None and (size == 0 or (size is None and self._position == 0)):
            self._materialize(empty=True)  # moto's new value: nothing to copy
        return self._materialize().truncate(size)

    def write(self, data: bytes) -> int:
        return self._materialize().write(data)

    def close(self) -> None:
        self._closed = True
        if self._copy is not None:
            self._copy.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._materialize(), name)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("I/O operation on closed file.")

    def _materialize(self, *, empty: bool = False) -> Buffer:
        with self._lock:
            if self._copy is None:
                self._check_open()
                copy: Buffer = _new_buffer(self.max_size)
                if not empty:
                    with self.path.open("rb") as stored:
                        while chunk := stored.read(CHUNK):
                            copy.write(chunk)
                copy.seek(0 if empty else self._position)
                self._copy = copy
                self.ref = None
            return self._copy


# ---------------------------------------------------------------------------------------------
# The pickler's reducers (`persistence` adds them to its dispatch table) and their loaders


def _blank(kind: Any) -> Any:
    return kind.__new__(kind)


def restore_key(key: FakeKey, state: dict[str, Any], *, store: BodyStore | None = None) -> None:
    """Give an unpickled key its fields and its buffer (its body read from `store` lazily).
    `persistence.load` binds `store` (`loaders`)."""
    if store is None:
        raise MissingBody("S3 object bodies are loaded by the local cloud's persistence only")
    fields = dict(state)
    body = fields.pop(BODY)
    vars(key).update(fields)
    max_size = int(fields.get("_max_buffer_size") or get_s3_default_key_buffer_size())
    key.lock = threading.Lock()
    if isinstance(body, BodyRef):
        try:
            # a stand-in, with the calls moto makes on its buffer
            key._value_buffer = store.open(body, max_size)  # type: ignore[assignment]
        except MissingBody as exc:
            where = f"s3://{fields.get('bucket_name')}/{fields.get('name')}"
            raise MissingBody(f"the body of {where}: {exc}") from None
        return
    buffer = _new_buffer(max_size)
    buffer.write(body)
    key._value_buffer = buffer


def _new_buffer(max_size: int) -> Buffer:
    """A buffer of moto's kind (the key keeps it open until moto disposes of the key)."""
    return tempfile.SpooledTemporaryFile(max_size=max_size)


def restore_versions(keys: _VersionedKeyStore, state: tuple[dict[str, Any], list[Any]]) -> None:
    fields, lists = state
    vars(keys).update(fields)
    for name, versions in lists:
        dict.__setitem__(keys, name, list(versions))


def loaders(store: BodyStore) -> dict[tuple[str, str], Callable[..., Any]]:
    """What `persistence.load`'s unpickler finds in place of `restore_key`: the same, bound
    to the store of the home it loads."""
    return {(__name__, restore_key.__name__): functools.partial(restore_key, store=store)}


@dataclass
class SnapshotBodies:
    """The bodies one snapshot refers to, written to `store` as the pickler meets their keys."""

    store: BodyStore
    refs: set[str]

    def reduce_key(self, key: FakeKey) -> Any:
        fields = dict(vars(key))
        fields.pop("_value_buffer", None)
        fields.pop("lock", None)
        body = self.store.body_of(key)
        if isinstance(body, BodyRef):
            self.refs.add(body.sha256)
        fields[BODY] = body
        return (_blank, (type(key),), fields, None, None, restore_key)


def _reduce_versions(keys: _VersionedKeyStore) -> Any:
    lists = [(name, list(versions)) for name, versions in list(dict.items(keys))]
    return (_blank, (type(keys),), (dict(vars(keys)), lists), None, None, restore_versions)


def snapshot_reducers(bodies: SnapshotBodies | None) -> dict[type, Callable[[Any], Any]]:
    """S3's entries of the snapshot pickler's dispatch table, by base class (the table gives
    each subclass its base's): every version of a versioned bucket, and (with `bodies`) keys
    whose bodies are in the store, not in the pickle."""
    table: dict[type, Callable[[Any], Any]] = {_VersionedKeyStore: _reduce_versions}
    if bodies is not None:
        table[FakeKey] = bodies.reduce_key
    return table
