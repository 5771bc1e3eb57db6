"""Finding the project: the directory holding tether.yaml, here or in the nearest parent."""

from __future__ import annotations

from pathlib import Path

from tether.errors import ProjectNotFoundError
from tether.model.loader import PROJECT_FILE


def find_project(start: Path | str | None = None) -> Path:
    """The project root for `start` (default: the current directory), searching upwards as git does.

    A path to a tether.yaml file names its directory; an explicit directory without the file is
    an error rather than a search, so `--project PATH` never picks up an unrelated parent.
    """
    here = Path(start) if start is not None else Path.cwd()
    if here.is_file():
        return here.parent.resolve()
    if start is not None:
        if not here.exists():
            raise ProjectNotFoundError(f"{here} does not exist", hint="check the path")
        if (here / PROJECT_FILE).is_file():
            return here.resolve()
        raise ProjectNotFoundError(
            f"no {PROJECT_FILE} in {here}",
            hint="point at a project directory, or run `tether init NAME`",
        )
    for directory in (here.resolve(), *here.resolve().parents):
        if (directory / PROJECT_FILE).is_file():
            return directory
    raise ProjectNotFoundError(
        f"no {PROJECT_FILE} here or in any parent directory",
        hint="run inside a project, pass --project PATH, or start one with `tether init NAME`",
    )
