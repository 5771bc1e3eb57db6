"""Options shared by commands: the project, the stage and the target."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from tether.model import Project

PATH = click.Path(path_type=Path)


def project_option(function: Any) -> Any:
    return click.option(
        "-p",
        "--project",
        "project_path",
        type=PATH,
        help="The project directory (default: the current one or its nearest parent with tether.yaml).",
    )(function)


def stage_options(function: Any) -> Any:
    function = click.option("-s", "--stage", default="dev", show_default=True, help="Stage name.")(
        function
    )
    return click.option(
        "-t",
        "--target",
        type=click.Choice(["local", "aws"]),
        default="local",
        show_default=True,
        help="Where the stage runs: the embedded local cloud or AWS.",
    )(function)


def resolve(path: Path | None, project_path: Path | None) -> Path:
    from tether.model import find_project  # loaded when a command runs, not for --help

    return find_project(path or project_path)


def load(project_path: Path | None, stage: str | None = None, target: str | None = None) -> Project:
    """Load the project (with its code analysed) and check the stage and target options."""
    from tether.loading import load as load_analysed

    project = load_analysed(resolve(project_path, None))
    if stage is not None and target is not None:
        from tether.synth import check_stage

        check_stage(stage, target)
    return project
