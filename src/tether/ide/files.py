"""The project's files as the IDE edits them: list, read, save, create, rename, delete, each
confined to the project root.

A path comes from the browser, so it is checked before anything touches the disk: relative,
no NUL byte, no `..`, and once resolved (symlinks followed) still inside the root. Writes are
refused inside `.tether/` (deploy state) and `.git/`. A save is atomic (a temporary file in the
same folder, then a rename, keeping the file's mode) and conditional: the client sends the
version it read (the sha256 of the bytes), and a file changed on disk since is not overwritten.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path
from typing import Any

from tether.atomic import TEMP_MARK, write_atomically
from tether.ide.errors import ApiError

HIDDEN = frozenset({".tether", ".git", "__pycache__", ".venv", "node_modules"})
PROTECTED = frozenset({".tether", ".git"})  # never written through the IDE
MAX_EDIT_BYTES = 5 * 1024 * 1024  # beyond this a file is not loaded into the editor
_SNIFF = 8192


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ProjectFiles:
    """File operations on one project root; every path is project-relative POSIX."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        # Check-then-replace of two saves from this server must not interleave.
        self._lock = threading.Lock()

    # --- paths ---------------------------------------------------------------------------

    def confine(self, rel: Any, *, write: bool = False) -> Path:
        """The file `rel` names inside the root, or ApiError: any path that escapes the root
        (absolute, `..`, a symlink out) is refused, and writes into .tether/ or .git/."""
        if not isinstance(rel, str) or not rel.strip():
            raise ApiError(
                400, "invalid", "a path is required", hint="send a project-relative path"
            )
        if "\x00" in rel:
            raise ApiError(400, "invalid", "the path contains a NUL byte")
        parts = rel.replace("\\", "/").split("/")
        if rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
            raise ApiError(
                403,
                "outside_project",
                f"{rel} is an absolute path",
                hint="paths are relative to the project folder",
            )
        if ".." in parts:
            raise ApiError(
                403, "outside_project", f"{rel} leaves the project folder", hint="remove the `..`"
            )
        clean = [p for p in parts if p not in ("", ".")]
        if not clean:
            raise ApiError(400, "invalid", "the path names the project folder itself")
        path = self.root.joinpath(*clean)
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise ApiError(
                403,
                "outside_project",
                f"{rel} leads outside the project folder (through a symbolic link)",
            )
        if write:
            for where in (path.relative_to(self.root), resolved.relative_to(self.root)):
                if where.parts and where.parts[0] in PROTECTED:
                    raise ApiError(
                        403,
                        "forbidden",
                        f"{rel} is inside {where.parts[0]}/, which the IDE does not change",
                        hint=".tether/ holds deploy state and .git/ the repository",
                    )
        return path

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # --- reading -------------------------------------------------------------------------

    def list(self) -> list[dict[str, Any]]:
        """Every file and folder, sorted, without the hidden folders; symlinked folders are
        not followed."""
        entries: list[dict[str, Any]] = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d not in HIDDEN)
            base = Path(folder)
            for name in dirs:
                entries.append({"path": self.relative(base / name), "kind": "dir", "size": 0})
            for name in files:
                if TEMP_MARK in name:
                    continue
                try:
                    size = (base / name).stat().st_size
                except OSError:  # a dangling symlink
                    size = 0
                entries.append({"path": self.relative(base / name), "kind": "file", "size": size})
        return sorted(entries, key=lambda e: str(e["path"]))

    def read(self, rel: Any) -> dict[str, Any]:
        path = self.confine(rel)
        data = self._bytes(path, rel)
        result: dict[str, Any] = {"path": self.relative(path), "version": version_of(data)}
        if len(data) > MAX_EDIT_BYTES:
            return {**result, "binary": True, "size": len(data)}
        if b"\x00" in data[:_SNIFF]:
            return {**result, "binary": True, "size": len(data)}
        try:
            return {**result, "content": data.decode("utf-8")}
        except UnicodeDecodeError:
            return {**result, "binary": True, "size": len(data)}

    def _bytes(self, path: Path, rel: Any) -> bytes:
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise ApiError(404, "not_found", f"{rel} does not exist") from None
        except IsADirectoryError:
            raise ApiError(400, "invalid", f"{rel} is a folder, not a file") from None
        except OSError as exc:
            raise ApiError(400, "invalid", f"cannot read {rel}: {exc.strerror or exc}") from None

    # --- writing -------------------------------------------------------------------------

    def save(self, rel: Any, content: Any, version: Any) -> dict[str, Any]:
        """Write `content` if the file still has `version` (None: create a new file)."""
        if not isinstance(content, str):
            raise ApiError(400, "invalid", "content must be text")
        if version is not None and not isinstance(version, str):
            raise ApiError(400, "invalid", "version must be the string read with the file, or null")
        path = self.confine(rel, write=True)
        data = content.encode("utf-8")
        with self._lock:
            if version is None:
                if path.exists() or path.is_symlink():
                    raise ApiError(
                        409,
                        "conflict",
                        f"{rel} already exists",
                        hint="open it to edit it, or choose another name",
                    )
                path.parent.mkdir(parents=True, exist_ok=True)
                mode = None
            else:
                current = self._bytes(path, rel)
                if version_of(current) != version:
                    raise ApiError(
                        409,
                        "conflict",
                        f"{rel} changed on disk since it was opened; nothing was saved",
                        hint="reload it to see the change (copy your edits first), then save again",
                        extra={"version": version_of(current)},
                    )
                mode = stat.S_IMODE(path.stat().st_mode)
            write_atomically(path.resolve() if path.is_symlink() else path, data, mode)
        return {"path": self.relative(path), "version": version_of(data)}

    def rename(self, source: Any, target: Any) -> dict[str, Any]:
        old = self.confine(source, write=True)
        new = self.confine(target, write=True)
        with self._lock:
            if not (old.exists() or old.is_symlink()):
                raise ApiError(404, "not_found", f"{source} does not exist")
            if new.exists() or new.is_symlink():
                raise ApiError(
                    409, "conflict", f"{target} already exists", hint="choose another name"
                )
            new.parent.mkdir(parents=True, exist_ok=True)
            os.rename(old, new)
        return {"path": self.relative(new)}

    def delete(self, rel: Any) -> dict[str, Any]:
        path = self.confine(rel, write=True)
        with self._lock:
            if path.is_dir() and not path.is_symlink():
                try:
                    path.rmdir()
                except OSError:
                    raise ApiError(
                        400,
                        "invalid",
                        f"{rel} is a folder that is not empty",
                        hint="delete its files first",
                    ) from None
            else:
                try:
                    path.unlink()
                except FileNotFoundError:
                    raise ApiError(404, "not_found", f"{rel} does not exist") from None
        return {"deleted": self.relative(path)}
