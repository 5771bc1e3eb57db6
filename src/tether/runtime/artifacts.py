"""Code and layer zips unpacked once per content hash, where workers import them from.

    $TETHER_HOME/local/code/<sha256>/            the function's code (cwd, first on sys.path)
    $TETHER_HOME/local/layers/<sha256>/python    a layer's packages (as /opt/python in Lambda)

A directory appears atomically (unpacked beside it, then renamed), so a half-unpacked version
is never imported; one that exists is reused by every worker of every function with that zip.
It is unpacked from the zip's file when the source names one (`CodeSource.path`), else from
its bytes.

`remove_unused` takes away the directories no version needs any more (the caller says which
are needed: the local cloud's functions and layers, and the workers still running): each is
renamed aside under its lock, then deleted, so a worker being started at that moment either
finds it whole or unpacks it again, never half deleted; one asked for within the last
`RECENT` seconds stays (its worker may be starting).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Collection
from io import BytesIO
from pathlib import Path, PurePosixPath

from tether.runtime.spec import CodeSource

RECENT = 10.0  # seconds: a directory asked for this recently stays (its worker may be starting)
LEFTOVER = 3600.0  # seconds: an unpacking or removal a crash interrupted, cleared after this

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_ASKED: dict[str, float] = {}  # sha256 -> when its directory was last asked for (monotonic)


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
    with _lock_for(source.sha256):  # held while `remove_unused` looks at it: never half gone
        _ASKED[source.sha256] = time.monotonic()
        if target.is_dir():
            return target
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{source.sha256[:12]}-", dir=parent))
        try:
            _unzip(source, staging)
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def remove_unused(home: Path, needed: Collection[str], *, recent: float | None = None) -> list[str]:
    """Remove the unpacked code and layers whose sha256 is not in `needed` and that nobody
    asked for within `recent` seconds (default `RECENT`); the sha256 of those removed."""
    removed: list[str] = []
    now = time.monotonic()
    recent = RECENT if recent is None else recent
    for parent in (home / "local" / "code", home / "local" / "layers"):
        if not parent.is_dir():
            continue
        for entry in parent.iterdir():
            name = entry.name
            if name.startswith("."):
                _clear_leftover(entry)
                continue
            if name in needed:
                continue
            trash = parent / f".removed-{name[:12]}-{uuid.uuid4().hex[:8]}"
            with _lock_for(name):
                asked = _ASKED.get(name)
                if asked is not None and now - asked < recent:
                    continue
                try:
                    os.rename(entry, trash)
                except OSError:
                    continue
                _ASKED.pop(name, None)
            shutil.rmtree(trash, ignore_errors=True)
            removed.append(name)
    return removed


def unpacked_digests(home: Path) -> set[str]:
    """The sha256 of every unpacked code and layer directory."""
    found: set[str] = set()
    for parent in (home / "local" / "code", home / "local" / "layers"):
        if parent.is_dir():
            found.update(p.name for p in parent.iterdir() if not p.name.startswith("."))
    return found


def _clear_leftover(entry: Path) -> None:
    """A staging or removed directory (dot name) left by a crash: cleared once it is old."""
    try:
        old = time.time() - entry.stat().st_mtime > LEFTOVER
    except OSError:
        return
    if old:
        shutil.rmtree(entry, ignore_errors=True)


def _lock_for(sha: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(sha, threading.Lock())


def _unzip(code: CodeSource, target: Path) -> None:
    try:
        archive = zipfile.ZipFile(code.path or BytesIO(code.load()))
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
