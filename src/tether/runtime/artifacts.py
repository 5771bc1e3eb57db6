"""Code and layer zips unpacked once per content hash, where workers import them from.

    $TETHER_HOME/local/code/<sha256>/            the function's code (cwd, first on sys.path)
    $TETHER_HOME/local/layers/<sha256>/python    a layer's packages (as /opt/python in Lambda)

A directory appears atomically (unpacked beside it, then renamed), so a half-unpacked version
is never imported; one that exists is reused by every worker of every function with that zip.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
import threading
import zipfile
from io import BytesIO
from pathlib import Path, PurePosixPath

from tether.runtime.spec import CodeSource

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


class BadArchiveError(Exception):
    """The code or layer is not a zip archive that can be unpacked."""


def code_dir(home: Path, source: CodeSource) -> Path:
    return unpacked(home / "local" / "code", source)


def layer_paths(home: Path, source: CodeSource, runtime: str = "") -> list[Path]:
    """The sys.path entries a layer adds, as Lambda's Python runtime adds /opt/python ones
    (`python/lib/<runtime>/site-packages` first: `runtime` is `python3.12`, by default this
    interpreter's)."""
    root = unpacked(home / "local" / "layers", source) / "python"
    version = runtime or f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = root / "lib" / version / "site-packages"
    return [site, root] if site.is_dir() else [root]


def unpacked(parent: Path, source: CodeSource) -> Path:
    """`parent/<sha256>`, unpacked from `source` unless it exists already."""
    target = parent / source.sha256
    if target.is_dir():
        return target
    with _lock_for(source.sha256):
        if target.is_dir():
            return target
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{source.sha256[:12]}-", dir=parent))
        try:
            _unzip(source.load(), staging)
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _lock_for(sha: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(sha, threading.Lock())


def _unzip(data: bytes, target: Path) -> None:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BadArchiveError("not a zip archive") from exc
    with archive:
        for info in archive.infolist():
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if not parts or parts[0] == "/" or ".." in parts:
                continue  # outside the directory: never written
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                continue
            path = target.joinpath(*parts)
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, path.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            if mode & 0o111:
                path.chmod(0o755)
