"""Tether: a serverless IDE and deploy engine for Python on AWS Lambda.

The public API is small: load a project (tether.yaml plus the operations its code performs),
inspect it, synthesise its CloudFormation template.
Importing this package pulls in neither the CLI framework nor cfn-lint nor moto; those load
only when a command or a check needs them.
"""

from __future__ import annotations

from pathlib import Path

from tether.errors import Problem, ProjectError, ProjectNotFoundError, TetherError
from tether.model import Function, Project, Resource, find_project
from tether.synth import synthesize

__version__ = "0.1.0"


def load_project(path: Path | str) -> Project:
    """Load the project at `path`: tether.yaml, with the operations its code performs merged
    in (see `tether.loading`). Raises ProjectError with every problem found."""
    from tether.loading import load

    return load(path)


__all__ = [
    "Function",
    "Problem",
    "Project",
    "ProjectError",
    "ProjectNotFoundError",
    "Resource",
    "TetherError",
    "__version__",
    "find_project",
    "load_project",
    "synthesize",
]
