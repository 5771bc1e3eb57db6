"""Patch a code zip in time that grows with the change, not with the artifact.

`patch_zip(source, target, changes)` writes at `target` exactly the bytes `archive.write_zip`
would write for the source's files with `changes` applied, without recompressing any unchanged
entry: the only work that grows with the artifact is reading its central directory and copying
and hashing its bytes. It runs in two steps, also usable on their own (a remote patcher would
receive the `Delta`):

- `make_delta(changes)` compresses only the changed and added files, through the same writer
  and settings as `archive.write_zip`, into a small zip of their own, and lists the removals.
- `apply_delta(source, target, delta)` merges that zip into the source by name, placing each
  edit by binary search: unchanged entries' local headers and compressed data are copied as raw
  byte ranges (each run between two edits in one write), the delta's entries go in their sorted
  places, and the new central directory reuses every central record with only its offset
  rewritten.

Entry bytes do not depend on where an entry sits, and a central record differs only in its
offset, so the result is byte-identical to a full rebuild. It is written to a temporary file in
the target's directory and renamed into place: an interrupted patch leaves no half file at
`target` and the source untouched (`target` may be the source itself).
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import hashlib
import io
import mmap
import os
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tether.build.archive import COMPRESS_LEVEL, Written, zip_info
from tether.build.zipindex import (
    END,
    END_SIG,
    MAX_ENTRIES,
    OFFSET_FIELD,
    ZIP64_LIMIT,
    Buffer,
    ZipIndex,
    read_index,
    refuse,
)
from tether.errors import TetherError

DELTA_HINT = "make the delta with tether.build.patch.make_delta"


@dataclass(frozen=True)
class Delta:
    """A change to a code zip in its final, compressed form: what a remote patcher needs."""

    entries: bytes  # a zip of the changed and added files, as `archive.write_zip` writes them
    removed: tuple[str, ...]  # names to delete, sorted


@dataclass(frozen=True)
class PatchResult(Written):
    """The patched zip (path, sha256, size) and what the patch cost."""

    bytes_compressed: int  # uncompressed bytes of the changed and added files
    bytes_copied: int  # bytes of unchanged entries copied verbatim from the source
    changed: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]


def patch_zip(
    source: Path,
    target: Path,
    changes: Mapping[str, bytes | None],
    *,
    executable: Collection[str] = (),
) -> PatchResult:
    """Write at `target` the zip `source` becomes with `changes` (name -> content, None deletes).

    A changed or added file is executable (mode 0o755) when its name is in `executable`, like
    `Entry.executable`; unchanged entries keep their mode.
    """
    return apply_delta(source, target, make_delta(changes, executable=executable))


def make_delta(changes: Mapping[str, bytes | None], *, executable: Collection[str] = ()) -> Delta:
    """Compress the new contents in `changes` exactly as `archive.write_zip` would."""
    written = {name: data for name, data in changes.items() if data is not None}
    stray = sorted(set(executable) - written.keys())
    if stray:
        raise ValueError(f"executable names without new content in changes: {stray}")
    for name in changes:
        check_name(name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(written):
            data = written[name]
            if len(data) * 1.05 > ZIP64_LIMIT:  # where zipfile's writer switches to ZIP64
                raise TetherError(
                    f"cannot patch in {name}: {len(data):,} bytes needs ZIP64 (over 2 GiB)",
                    hint="Lambda cannot take a code zip that large either; exclude the file",
                )
            info = zip_info(name, name in executable)
            archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
    removed = tuple(sorted(name for name, data in changes.items() if data is None))
    return Delta(buffer.getvalue(), removed)


def check_name(name: str) -> None:
    """Refuse a name `archive.write_zip` would not store as given, or that escapes the root."""
    parts = name.split("/")
    problem = None
    if "\x00" in name:
        problem = "it contains a NUL character"
    elif any(part in ("", ".", "..") for part in parts):
        problem = "it must be a relative POSIX path without empty, '.' or '..' parts"
    elif unicodedata.normalize("NFC", name) != name:
        problem = "it is not in Unicode NFC (archive.zip_name normalises names)"
    else:
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            problem = "it is not valid UTF-8"
    if problem is not None:
        raise TetherError(
            f"cannot patch in the entry {name!r}: {problem}",
            hint="name entries as the build does (archive.zip_name of the path's parts)",
        )


def apply_delta(source: Path, target: Path, delta: Delta) -> PatchResult:
    """Merge `delta` into the zip at `source`, writing the result atomically at `target`."""
    label = str(source)
    patch = read_index(delta.entries, f"{label} with this delta", hint=DELTA_HINT)
    clash = sorted(set(delta.removed).intersection(patch.names))
    if clash or len(set(delta.removed)) != len(delta.removed):
        why = f"it writes and removes {clash[0]!r}" if clash else "it removes a name twice"
        raise refuse(f"{label} with this delta", why, hint=DELTA_HINT)
    with _mapped(source) as data:
        old = _Zip(data, read_index(data, label))
        plan = _Plan.merge(old, _Zip(delta.entries, patch), delta.removed)
        if plan.missing:
            raise refuse(label, f"it has no entry {plan.missing[0]!r} to remove")
        count = sum(run.last - run.first for run in plan.runs)
        if count > MAX_ENTRIES:
            raise refuse(label, f"the result would hold {count:,} entries (over 65,535: ZIP64)")
        directory = plan.directory(label)
        with _writing(target):
            sha256, size = _write(target, plan.runs, directory)
    return PatchResult(
        path=target,
        sha256=sha256,
        size=size,
        bytes_compressed=sum(patch.sizes),
        bytes_copied=sum(run.end - run.start for run in plan.runs if run.zip is old),
        changed=tuple(plan.changed),
        added=tuple(plan.added),
        removed=delta.removed,
    )


@contextlib.contextmanager
def _mapped(path: Path) -> Iterator[Buffer]:
    """The file's bytes, memory-mapped read-only (a file too small to be a zip is read)."""
    with contextlib.ExitStack() as stack:
        try:
            f = stack.enter_context(path.open("rb"))
            if os.fstat(f.fileno()).st_size < END.size:
                data: Buffer = f.read()
            else:
                data = stack.enter_context(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
        except OSError as exc:
            raise TetherError(
                f"cannot read {path}: {exc.strerror or exc}",
                hint="build it again in full (a full deploy does)",
            ) from exc
        yield data


@dataclass(frozen=True, eq=False)
class _Zip:
    """A zip's bytes and its index."""

    buffer: Buffer
    index: ZipIndex


@dataclass(eq=False)
class _Run:
    """Entries `first` to `last - 1` of one zip: contiguous there, and so in the output."""

    zip: _Zip
    first: int
    last: int

    @property
    def start(self) -> int:
        return self.zip.index.bounds[self.first]

    @property
    def end(self) -> int:
        return self.zip.index.bounds[self.last]


@dataclass
class _Plan:
    """The patched zip as runs of entries in output order, each from the source or the delta."""

    runs: list[_Run] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # removals of names the source lacks

    @classmethod
    def merge(cls, source: _Zip, delta: _Zip, removed: tuple[str, ...]) -> _Plan:
        """Place each edit by binary search: time grows with the edits, not with the entries."""
        plan = cls()
        names = source.index.names
        edits = [(name, j) for j, name in enumerate(delta.index.names)]
        edits += [(name, -1) for name in removed]  # -1: remove
        edits.sort()
        done = 0  # the source entries before this one are placed, replaced or removed
        for name, j in edits:
            k = bisect.bisect_left(names, name, lo=done)
            exists = k < len(names) and names[k] == name
            plan._take(source, done, k)
            if j < 0:
                if not exists:
                    plan.missing.append(name)
            else:
                (plan.changed if exists else plan.added).append(name)
                plan._take(delta, j, j + 1)
            done = k + 1 if exists else k
        plan._take(source, done, len(names))
        return plan

    def _take(self, zip: _Zip, first: int, last: int) -> None:
        if first >= last:
            return
        if self.runs and self.runs[-1].zip is zip and self.runs[-1].last == first:
            self.runs[-1].last = last
        else:
            self.runs.append(_Run(zip, first, last))

    def directory(self, label: str) -> bytes:
        """The new central directory and end record: each run's central records, copied, with
        the offsets of those that moved rewritten."""
        out = bytearray()
        offset = 0  # where the run's first entry lands in the output
        count = 0
        for run in self.runs:
            bounds, records = run.zip.index.bounds, run.zip.index.records
            base = len(out) - records[run.first]
            out += run.zip.buffer[records[run.first] : records[run.last]]
            shift = offset - bounds[run.first]
            if shift:
                for k in range(run.first, run.last):
                    struct.pack_into("<L", out, base + records[k] + OFFSET_FIELD, bounds[k] + shift)
            offset += bounds[run.last] - bounds[run.first]
            count += run.last - run.first
        if max(offset, len(out)) > ZIP64_LIMIT:
            raise refuse(label, "the result would need ZIP64 (over 2 GiB)")
        out += END.pack(END_SIG, 0, 0, count, count, len(out), offset, 0)
        return bytes(out)


def _write(target: Path, runs: list[_Run], tail: bytes) -> tuple[str, int]:
    """Write the runs' bytes then `tail` to a temporary file next to `target`, hashing them as
    they go, and rename it to `target`. The file's blocks are reserved first: on ext4 that
    halves the time to write it, and a full disk fails before anything is written."""
    size = sum(run.end - run.start for run in runs) + len(tail)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".zip", dir=target.parent)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            _reserve(out.fileno(), size)
            for run in runs:
                with memoryview(run.zip.buffer) as whole, whole[run.start : run.end] as part:
                    digest.update(part)
                    out.write(part)
            digest.update(tail)
            out.write(tail)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0o600
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return digest.hexdigest(), size


def _reserve(fd: int, size: int) -> None:
    allocate = getattr(os, "posix_fallocate", None)  # not on macOS or Windows
    if allocate is not None and size > 0:
        try:
            allocate(fd, 0, size)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise
            # the file system cannot reserve space: write without


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    """Turn a failed write (a full disk, a read-only directory) into a user error."""
    try:
        yield
    except OSError as exc:
        raise TetherError(
            f"cannot write {target}: {exc.strerror or exc}",
            hint="free some disk space, or check the directory's permissions",
        ) from exc
