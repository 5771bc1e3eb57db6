"""Fingerprints: digests of everything a kept analysis result depends on besides the code.

A function's result depends on its declaration in tether.yaml, the project's resources (what
code can name), the variables any function's `environment:` sets (names.py reads them), and
on the analyser itself: Tether's version, the botocore version the boto3 tables were generated
from (data/boto3_actions.json), the Python version (whose parser made the syntax trees), and the
analyser's own sources and data, so a development checkout that changes the analyser never
reads results of the old one. Digests are computed
over a canonical encoding (sets sorted, dataclasses by field), so they are the same in every
process.
"""

from __future__ import annotations

import dataclasses
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import tether
from tether.analysis.actions import botocore_version
from tether.analysis.sources import digest
from tether.model import Function, Project

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# Besides the analysis package: the IAM data and its reader decide which actions are granted.
_ANALYSER_FILES = ("data/boto3_actions.json", "data/iam_actions.json", "model/iam.py")


@cache
def analyser_version() -> str:
    """Tether's, botocore's data's and Python's versions and the analyser's sources, digested."""
    package = resources.files("tether")
    files = [f"analysis/{p.name}" for p in package.joinpath("analysis").iterdir()]
    texts = [
        f"{name}\0{package.joinpath(name).read_text(encoding='utf-8')}"
        for name in sorted({*(f for f in files if f.endswith(".py")), *_ANALYSER_FILES})
    ]
    python = ".".join(map(str, sys.version_info[:2]))  # the syntax trees are its
    return digest(tether.__version__, botocore_version(), python, *texts)


def project_part(project: Project) -> str:
    """What every function's result depends on in tether.yaml: resources, set variables."""
    configured = sorted({k for f in project.functions.values() for k, _ in f.environment})
    return digest(canonical(tuple(project.resources.items())), canonical(tuple(configured)))


def function_part(function: Function) -> str:
    return digest(canonical(function))


def canonical(value: object) -> str:
    """A text that is equal for equal model values, in any process."""
    if type(value) in _PLAIN:
        return repr(value)
    if isinstance(value, tuple | list):
        return f"[{','.join(canonical(v) for v in value)}]"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = (f"{f}={canonical(getattr(value, f))}" for f in _fields(value))
        return f"{type(value).__name__}({','.join(parts)})"
    if isinstance(value, set | frozenset):
        return f"{{{','.join(sorted(canonical(v) for v in value))}}}"
    if isinstance(value, dict):
        items = sorted(f"{canonical(k)}:{canonical(v)}" for k, v in value.items())
        return f"{{{','.join(items)}}}"
    if isinstance(value, Path):
        return repr(str(value))
    return repr(value)


_PLAIN = frozenset({str, int, float, bool, type(None), bytes})
_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass -> its fields' names


def _fields(value: DataclassInstance) -> tuple[str, ...]:
    kind = type(value)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    return names
