"""The one error hierarchy of Tether.

User errors carry a message and a hint and are printed without a traceback; anything else that
escapes is a bug, printed with a traceback and a request to report it.

    TetherError                a user error: message + hint, exit status 1
    ├── ProjectNotFoundError   no tether.yaml in the directory or any parent
    ├── ProjectError           the project is invalid; carries every Problem found at once
    └── OptionError            a command-line value is invalid (a stage name, a target); exit 2

This module is a leaf: it imports nothing of Tether's, so every layer may raise these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the project, pinned to a file position the user can jump to."""

    file: str
    line: int
    column: int
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_json(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


class TetherError(Exception):
    """A problem the user can fix; shown as a message and a hint, never as a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def format(self) -> str:
        return f"error: {self.message}" + (f"\n    hint: {self.hint}" if self.hint else "")


class ProjectNotFoundError(TetherError):
    """No tether.yaml in the given directory or any of its parents."""


class OptionError(TetherError):
    """A command-line value is invalid."""

    exit_code = 2


class ProjectError(TetherError):
    """The project file or code is invalid; holds every problem found, sorted by position."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        noun = "problem" if len(errors) == 1 else "problems"
        super().__init__(f"the project has {len(errors)} {noun}")

    def format(self) -> str:
        return "\n".join(p.format() for p in self.problems) + f"\n{self.message}"

    def __str__(self) -> str:
        return self.format()
