"""Where a failed invocation failed in the project: the frames of Lambda's error payload (or of
a logged traceback) whose file is one of the project's, as project-relative paths.

The local runtime unpacks a function's code in `$TETHER_HOME/local/code/<sha256>/`, Lambda on
AWS in `/var/task/`: both map back to the project's own files.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

# `  File "/…/local/code/<sha256>/app/api.py", line 12, in handler\n    text` (Python's
# traceback.format_list, as the local runtime sends it) and `  File "…" Line 3\n    text`
# (its syntax errors). Lambda on AWS unpacks code in /var/task.
_FRAME = re.compile(
    r'File "(?P<file>[^"\n]+)",? [Ll]ine (?P<line>\d+)(?:, in (?P<name>[^\n]+))?\n?(?P<text>[^\n]*)'
)
_CODE_DIR = re.compile(r"(?:/local/code/[0-9a-f]{64}|^/var/task)/(?P<rel>.+)$")


def trace(root: Path, payload: Any) -> list[dict[str, Any]]:
    """The frames of Lambda's error payload whose file is one of the project's, as
    project-relative paths (innermost last, as Python prints them)."""
    if not isinstance(payload, dict):
        return []
    lines = payload.get("stackTrace") or []
    if not isinstance(lines, list):
        return []
    return frames_in(root, "".join(str(line) for line in lines))


def frames_in(root: Path, text: str) -> list[dict[str, Any]]:
    """The project's frames in a traceback's text: {file, line, text[, function]}."""
    frames = []
    for match in _FRAME.finditer(text):
        rel = project_file(root, match["file"])
        if rel is None:
            continue
        frame: dict[str, Any] = {
            "file": rel,
            "line": int(match["line"]),
            "text": match["text"].strip(),
        }
        if match["name"]:
            frame["function"] = match["name"].strip()
        frames.append(frame)
    return frames


def project_file(root: Path, path: str) -> str | None:
    """A worker's path to a code file, as the project's path of that file (or None)."""
    found = _CODE_DIR.search(path)
    if found is not None:
        rel = PurePosixPath(found["rel"])
    else:
        try:
            rel = PurePosixPath(Path(path).relative_to(root).as_posix())
        except ValueError:
            return None
    if rel.is_absolute() or ".." in rel.parts or not (root / rel).is_file():
        return None
    return rel.as_posix()
