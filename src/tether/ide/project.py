"""The project as the IDE shows it: the `tether check --json` report, with a summary, the
gutter markers of operations found in code, and the unused resources withheld while any file
cannot be analysed.

A check loads the project with tether.loading.load (the same load and analyse stages as the
CLI). Its result is kept until any file of the project changes: the cache key is the size and
modification time of every file under the root (a few milliseconds to read), so an edit from
any editor, git or the IDE invalidates it, and the several requests a page sends when it opens
share one check. Checks with unsaved editor text (an overlay) are never cached. Checks are
serialised: analysis keeps per-run caches in module state, and the watcher and a request may
ask at the same moment.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tether.errors import Problem, ProjectError, TetherError
from tether.loading import load
from tether.model import Project
from tether.summary import check_report

# Problems that mean some code was not read: until they are fixed, a resource that looks
# unused may well be used by the code that could not be read (Sigma deleted such resources).
_UNREAD = (
    "cannot be analysed",
    "syntax error",
    "is not UTF-8",
    "cannot be parsed",
    "nested too deeply",
)


@dataclass(frozen=True)
class Checked:
    """One check of the project: the project (None when it has errors) and every problem."""

    project: Project | None
    problems: tuple[Problem, ...]

    @property
    def unread(self) -> Problem | None:
        """The first problem saying a file could not be read or analysed, if any."""
        return next((p for p in self.problems if any(m in p.message for m in _UNREAD)), None)

    @property
    def unused(self) -> list[str] | None:
        """The unused resources, or None while they cannot be known."""
        if self.project is None or self.unread is not None:
            return None
        return self.project.unused()


class Checker:
    """Checks one project, one check at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._generation = 0  # moved on by `invalidate`, from any thread, without the lock
        self._last: tuple[object, Checked] | None = None

    def check(self, overlay: Mapping[str, str] | None = None) -> Checked:
        with self._lock:
            if overlay:
                return self._check(overlay)
            key = (self._generation, _fingerprint(self.root))
            if self._last is not None and self._last[0] == key:
                return self._last[1]
            checked = self._check(None)
            self._last = (key, checked)
            return checked

    def invalidate(self) -> None:
        """Forget the kept check (the watcher saw a change): never waits for a running one."""
        self._generation += 1

    def _check(self, overlay: Mapping[str, str] | None) -> Checked:
        try:
            project = load(self.root, overlay=overlay)
        except ProjectError as exc:
            return Checked(None, tuple(exc.problems))
        except TetherError as exc:
            problem = Problem("tether.yaml", 1, 1, "error", exc.message, exc.hint)
            return Checked(None, (problem,))
        return Checked(project, tuple(project.warnings))


_NOT_PROJECT = {".tether", ".git", "__pycache__", ".venv", "venv", "node_modules"}


def _fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """(path, size, mtime_ns) of every file under `root`, outside Tether's and tools' folders."""
    found: list[tuple[str, int, int]] = []
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _NOT_PROJECT:
                        stack.append(entry.path)
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            found.append((entry.path, info.st_size, info.st_mtime_ns))
    return tuple(sorted(found))


def report(checked: Checked) -> dict[str, Any]:
    """The /api/project body: the check report, a summary and the operation markers."""
    body = check_report(checked.project, list(checked.problems))
    unread = checked.unread
    if checked.project is not None and unread is not None:
        body["unused"] = []
    body["unused_withheld"] = (
        f"{unread.file} cannot be read or analysed: no resource is called unused until it can"
        if unread is not None
        else None
    )
    project = checked.project
    body["summary"] = {
        "functions": len(project.functions) if project else 0,
        "resources": len(project.resources) if project else 0,
        "errors": sum(p.severity == "error" for p in checked.problems),
        "warnings": sum(p.severity == "warning" for p in checked.problems),
    }
    body["markers"] = markers(project) if project else []
    return body


def markers(project: Project) -> list[dict[str, Any]]:
    """Operations found in code, at their lines, for the editor's gutter."""
    found = []
    for function in project.functions.values():
        for operation in function.operations:
            if operation.origin != "code":
                continue
            found.append(
                {
                    "file": operation.location.file,
                    "line": operation.location.line,
                    "column": operation.location.column,
                    "kind": "operation",
                    "resource": operation.resource,
                    "actions": list(operation.actions),
                    "function": function.name,
                }
            )
    return sorted(found, key=lambda m: (m["file"], m["line"], m["column"], m["function"]))


def project_name(root: Path, checked: Checked) -> str:
    return checked.project.name if checked.project is not None else root.name
