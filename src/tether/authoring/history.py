"""Applying an Edit to the project's files, and undoing it.

An Edit is applied only if every file still holds the text it was built on (so nothing the user
wrote in the meantime is overwritten), all files or none. The texts before and after are kept
in `.tether/authoring/history.json` (the last 20 edits), so `undo` can put them back — again
only while the files still hold what the edit wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tether.atomic import write_atomically
from tether.authoring.edits import AuthoringError, Edit, FileChange

HISTORY = Path(".tether") / "authoring" / "history.json"
KEEP = 20


def read_text(root: Path, path: str) -> str | None:
    """A project file's text exactly as stored (line endings kept), or None if it is missing."""
    try:
        return (root / path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise AuthoringError(
            f"{path} is not UTF-8 text", hint="Tether edits UTF-8 files only"
        ) from None


def apply(root: Path, edit: Edit) -> None:
    """Write the edit's files (atomically each; all or none) and remember it for `undo`."""
    for change in edit.changes:
        _confined(root, change.path)
    _check_unchanged(root, [(c.path, c.before) for c in edit.changes], "was built")
    _write_all(root, [(c.path, c.before, c.after) for c in edit.changes])
    entries = _load(root)
    entries.append(
        {
            "title": edit.title,
            "changes": [
                {"path": c.path, "before": c.before, "after": c.after} for c in edit.changes
            ],
        }
    )
    _save(root, entries[-KEEP:])


def undo(root: Path) -> Edit:
    """Put back the files of the last applied edit; the Edit that did it (before/after swapped)."""
    entries = _load(root)
    if not entries:
        raise AuthoringError(
            "nothing to undo",
            hint="undo takes back edits made by `tether add`, `remove`, `set` and `rename`, or by the IDE",
        )
    last = entries[-1]
    changes = [(c["path"], c["after"], c["before"]) for c in last["changes"]]
    for path, _, _ in changes:
        _confined(root, path)
    _check_unchanged(root, [(path, now) for path, now, _ in changes], "was made")
    _write_all(root, changes)
    _save(root, entries[:-1])
    reverse = tuple(
        FileChange(path=path, before=now, after=then if then is not None else "")
        for path, now, then in changes
    )
    return Edit(title=f"undo: {last['title']}", changes=reverse)


def _confined(root: Path, path: str) -> Path:
    """`root / path`, refused when it leads outside the project (`..`, an absolute path, or a
    symbolic link on the way): an edit never writes anywhere else."""
    target = (root / path).resolve()
    if not target.is_relative_to(root.resolve()):
        raise AuthoringError(
            f"{path} leads outside the project: nothing was written",
            hint="authoring edits only files inside the project directory",
            field="file",
        )
    return target


def _check_unchanged(root: Path, expected: list[tuple[str, str | None]], when: str) -> None:
    for path, text in expected:
        if read_text(root, path) != text:
            state = "was created" if text is None else "changed"
            raise AuthoringError(
                f"{path} {state} since the edit {when}: nothing was written",
                hint="look at the file, then run the action again (it starts from the file as it is now)",
            )


def _write_all(root: Path, changes: list[tuple[str, str | None, str | None]]) -> None:
    """Write each (path, old, new) — new None deletes the file; on a failure, put back those
    already written."""
    done: list[tuple[str, str | None]] = []
    try:
        for path, old, new in changes:
            _write(root / path, new)
            done.append((path, old))
    except OSError as exc:
        for path, old in reversed(done):
            _write(root / path, old)
        raise AuthoringError(
            f"could not write {exc.filename}: {exc.strerror}", hint="nothing was changed"
        ) from None


def _write(target: Path, text: str | None) -> None:
    if text is None:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, text.encode("utf-8"))


def _load(root: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads((root / HISTORY).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return []
    return data if isinstance(data, list) else []


def _save(root: Path, entries: list[dict[str, Any]]) -> None:
    path = root / HISTORY
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(entries).encode("utf-8"))
