"""Deterministic zip writing for the build stage: same entries in, same bytes out.

Both the code zip and the dependency layer zip go through `write_zip`. Every entry gets a fixed
timestamp (1980-01-01 00:00:00, the earliest a zip can hold), a normalised Unix mode (0o644, or
0o755 when the source is executable), `ZIP_DEFLATED` at a fixed level and a POSIX path in NFC;
entries are sorted by path and no directory entries are written. So file mtimes, the umask, the
order the filesystem lists files in and PYTHONHASHSEED never change the bytes. (A different zlib
build could; the artifacts are content-addressed, so that costs an upload, never correctness.)

The zip is written to a temporary file next to its destination and renamed into place, so a
reader never sees a half-written artifact.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tether.errors import TetherError

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6
FILE_MODE = 0o644
EXEC_MODE = 0o755
_UNIX = 3  # ZipInfo.create_system for Unix, so external_attr carries the mode


@dataclass(frozen=True)
class Entry:
    """One file to put in a zip: its path inside the zip and where to read it from."""

    name: str  # POSIX path inside the zip
    source: Path
    executable: bool = False


@dataclass(frozen=True)
class Written:
    path: Path
    sha256: str
    size: int


def zip_name(parts: Iterable[str]) -> str:
    """A zip entry name from path parts: POSIX separators, Unicode NFC (macOS writes NFD)."""
    name = "/".join(parts)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise TetherError(
            f"the file name {name!r} is not valid UTF-8",
            hint="rename the file, or exclude it in .tetherignore",
        ) from None
    return unicodedata.normalize("NFC", name)


def is_executable(mode: int) -> bool:
    return bool(stat.S_IMODE(mode) & 0o111)


def zip_info(name: str, executable: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.create_system = _UNIX
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = EXEC_MODE if executable else FILE_MODE
    info.external_attr = (stat.S_IFREG | mode) << 16
    return info


def write_zip(entries: Iterable[Entry], directory: Path, name: Callable[[str], str]) -> Written:
    """Write `entries` sorted by name into `directory`, under `name(sha256 hex)`.

    The name depends on the content, so the zip is written to a temporary file in the same
    directory first, hashed, then renamed atomically.
    """
    ordered = sorted(entries, key=lambda e: e.name)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".zip", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as out:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for entry in ordered:
                    try:
                        data = entry.source.read_bytes()
                    except OSError as exc:
                        raise TetherError(
                            f"cannot read {entry.name}: {exc.strerror or exc}",
                            hint="check the file's permissions, or exclude it in .tetherignore",
                        ) from exc
                    archive.writestr(
                        zip_info(entry.name, entry.executable),
                        data,
                        compresslevel=COMPRESS_LEVEL,
                    )
            out.flush()
            size = out.tell()
            out.seek(0)
            digest = hashlib.file_digest(out, "sha256").hexdigest()
        os.chmod(tmp, 0o644)  # mkstemp makes it 0o600
        final = directory / name(digest)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return Written(final, digest, size)


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
