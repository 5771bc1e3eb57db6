"""`tether init NAME`: a new project that passes `tether check` as it stands.

The files live in data/new_project/; tether.yaml is a format string so
the project gets the chosen name, and `gitignore` is written as `.gitignore`. A project is never
created inside another one: the enclosing project's build would zip the new one's files into
its own code.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from tether.errors import OptionError
from tether.model import rules
from tether.model.loader import PROJECT_FILE

_RENAMES = {"gitignore": ".gitignore"}
# What to run in the new project, in order, and why: `tether` arguments that fit its files.
NEXT_STEPS = (
    ("check", "validate; list functions, resources and warnings"),
    ("deploy", "to the local cloud (started on demand)"),
    ("invoke hello --event events/get-note.json", "run the function on a sample event"),
    ("dev", "redeploy on every save"),
)


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
    enclosing = _enclosing_project(directory)
    if enclosing is not None:
        raise OptionError(
            f"{directory} is inside another project ({enclosing}): the new project's files "
            "would go into that project's code zip",
            hint=f"create it outside {enclosing.parent} (e.g. `cd {enclosing.parent.parent} && "
            f"tether init {name}`); to add a function to that project, use `tether add function`",
        )
    written: list[Path] = []
    _copy(resources.files("tether") / "data" / "new_project", directory, name, written)
    return sorted(written)


def _enclosing_project(directory: Path) -> Path | None:
    """The project file of the nearest parent directory that is a project, if any."""
    for parent in directory.resolve().parents:
        if (parent / PROJECT_FILE).is_file():
            return parent / PROJECT_FILE
    return None


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
