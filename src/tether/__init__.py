"""Tether: a serverless IDE and deploy engine for Python on AWS Lambda.

The public API is small: load a project (tether.yaml plus the operations its code performs),
inspect it, synthesise its CloudFormation template.
Importing this package loads almost nothing: the model and synth load when one of their names
is first used (so `tether --help` does not wait for them), and neither the CLI framework nor
cfn-lint nor moto load until a command or a check needs them.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tether.errors import Problem, ProjectError, ProjectNotFoundError, TetherError

if TYPE_CHECKING:
    from tether.model import Function, Project, Resource, find_project
    from tether.synth import synthesize

__version__ = "0.1.0"
_LAZY = {
    "Function": "tether.model",
    "Project": "tether.model",
    "Resource": "tether.model",
    "find_project": "tether.model",
    "synthesize": "tether.synth",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tether' has no attribute {name!r}")


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
