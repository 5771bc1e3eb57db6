"""Writing a user's file atomically: a temporary file beside it, then a rename over it, so a
reader (an editor, the dev loop, a crash) sees the old file or the new one, never half of one.

Temporary names carry TEMP_MARK, which the IDE's watcher and the dev loop skip: a write by
Tether itself is seen once, as the file it replaces.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TEMP_MARK = ".tether-save-"


def write_atomically(
    path: Path, data: bytes, mode: int | None = None, *, durable: bool = True
) -> None:
    """Replace `path` with `data`; `mode` None keeps the file's mode (a new file: 0o666 less
    the umask). `durable` waits for the disk (fsync) before the rename, so a power cut leaves
    the old file or the new one; a cache, which a lost write only costs a recomputation, says
    False and does not wait (an fsync can take tens of milliseconds on a busy disk)."""
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    handle, name = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.chmod(name, mode)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
