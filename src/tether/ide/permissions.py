"""A function's role policy for the IDE's permissions view: each statement with the lines of
code or tether.yaml behind it, from tether.permissions (what `tether permissions FN` prints)."""

from __future__ import annotations

import re
from typing import Any

from tether.ide.errors import ApiError
from tether.model import Project
from tether.permissions import explain

# "app/resize.py:64 (code) s3:PutObject", "tether.yaml:27 (trigger)"
_SOURCE = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+) \((?P<origin>\w+)\)(?: (?P<action>\S+))?$")


def parse_source(text: str) -> dict[str, Any] | None:
    """ "app/resize.py:64 (code) s3:PutObject" as {file, line, origin, action, text}; None for a
    source without a line."""
    match = _SOURCE.match(text)
    if match is None:
        return None
    return {
        "file": match["file"],
        "line": int(match["line"]),
        "origin": match["origin"],
        "action": match["action"],
        "text": text,
    }


def statements(project: Project, function: Any, *, stage: str, target: str) -> dict[str, Any]:
    if not isinstance(function, str) or function not in project.functions:
        raise ApiError(
            404,
            "not_found",
            f"no function {function!r}",
            hint=f"functions: {', '.join(project.functions) or 'none'}",
        )
    result = []
    for explained in explain(project, function, stage=stage, target=target):
        statement = explained.grant.statement()
        sources, notes = [], []
        for text in explained.sources:
            source = parse_source(text)
            if source is None:
                notes.append(text)
            else:
                sources.append(source)
        result.append(
            {
                "sid": statement["Sid"],
                "actions": statement["Action"],
                "resources": statement["Resource"],
                "on": explained.grant.on,
                "grants": explained.grant.describe(),
                "sources": sources,
                "notes": notes,
            }
        )
    return {"function": function, "statements": result}
