"""What an authoring action produces: an Edit (the new text of each file it changes, with what it
means for the project), shown as a diff before it is applied, applied atomically, undoable.

Actions never write files themselves: they return an Edit built from the texts they read, and
`tether.authoring.apply` writes it only if every file still holds the text the Edit was built on.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from tether.errors import TetherError


class AuthoringError(TetherError):
    """An authoring action that cannot be done as asked: says which field and how to fix it."""

    def __init__(self, message: str, *, hint: str = "", field: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field  # the form field or CLI argument at fault ("route", "line"...)


@dataclass(frozen=True)
class FileChange:
    """One file's text before (None: the file is new) and after the edit."""

    path: str  # relative to the project root, POSIX separators
    before: str | None
    after: str

    def diff(self) -> str:
        """A unified diff, with the project-relative path in its headers."""
        before = (self.before or "").splitlines(keepends=True)
        after = self.after.splitlines(keepends=True)
        lines = difflib.unified_diff(
            before,
            after,
            fromfile="/dev/null" if self.before is None else f"a/{self.path}",
            tofile=f"b/{self.path}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class Edit:
    """An authoring action's result, ready to show and to apply."""

    title: str  # "add the operation s3.put_object on thumbs to resize"
    changes: tuple[FileChange, ...]
    permissions: tuple[str, ...] = ()  # what roles gain: "resize: s3:PutObject on thumbs"
    removed_permissions: tuple[str, ...] = ()
    environment: tuple[str, ...] = ()  # variables functions gain: "resize: THUMBS_BUCKET"
    notes: tuple[str, ...] = ()  # for the user to act on: code that reads a renamed variable
    where: tuple[str, int] | None = None  # the file and line to show after applying
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def diff(self) -> str:
        return "".join(change.diff() for change in self.changes)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "diff": self.diff(),
            "changes": [
                {"path": c.path, "new": c.before is None, "diff": c.diff()} for c in self.changes
            ],
            "permissions": list(self.permissions),
            "removed_permissions": list(self.removed_permissions),
            "environment": list(self.environment),
            "notes": list(self.notes),
            "where": {"file": self.where[0], "line": self.where[1]} if self.where else None,
            **self.extra,
        }
