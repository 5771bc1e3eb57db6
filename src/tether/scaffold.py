"""`tether init NAME`: a new project that passes `tether check` as it stands.

The files live in data/new_project/; tether.yaml is a format string so
the project gets the chosen name, and `gitignore` is written as `.gitignore`.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from tether.errors import OptionError
from tether.model import rules

_RENAMES = {"gitignore": ".gitignore"}


def init_project(directory: Path) -> list[Path]:
    """Create a project in `directory` (named after it); return the files written."""
    name = directory.name
    finding = rules.project_name(name)
    if finding is not None:
        raise OptionError(finding[0], hint=finding[1])
    if directory.exists() and any(directory.iterdir()):
        raise OptionError(
            f"{directory} exists and is not empty", hint="choose a new directory name"
        )
    written: list[Path] = []
    _copy(resources.files("tether") / "data" / "new_project", directory, name, written)
    return sorted(written)


def _copy(source: Traversable, target: Path, name: str, written: list[Path]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        destination = target / _RENAMES.get(entry.name, entry.name)
        if entry.is_dir():
            _copy(entry, destination, name, written)
            continue
        text = entry.read_text(encoding="utf-8")
        if entry.name == "tether.yaml":
            text = text.format(name=name)
        destination.write_text(text, encoding="utf-8")
        written.append(destination)
