"""The AWS SDK as Lambda's Python runtime ships it, for workers on another interpreter.

Lambda's Python runtimes come with boto3 (and what it needs), so functions import it without
shipping it. The local cloud's own interpreter has it (Tether depends on boto3); a worker on
another interpreter (a pyenv or uv Python of the function's runtime) gets a directory of the
same files, copied from the local cloud's environment (hard-linked where the file system
allows) once per set of versions:

    $TETHER_HOME/local/sdk/<boto3 version>/    boto3/, botocore/, ..., and their .dist-info

The worker puts it on sys.path after the function's code and layers, as Lambda orders them, so
a function or layer that bundles its own boto3 still wins. Each interpreter imports it once
when it is first given it (`warm`), which writes its bytecode there: a function's first init
does not pay for compiling botocore (seconds) against its init timeout. These packages are pure Python, and
each says which Pythons it supports (Requires-Python: urllib3 2.x wants 3.9 or later, boto3
lately 3.10): `unsupported` checks that against the worker's interpreter.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

# Lambda's runtime ships these distributions (and the packages they install).
DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
MANIFEST = "tether-sdk.json"
WARM_TIMEOUT = 120.0
WARM = "import sys; sys.path.insert(0, sys.argv[1]); import boto3.session"

_LOCK = threading.Lock()
_READY: dict[Path, Path] = {}  # home -> its SDK directory, checked in this process
_CLAUSE = re.compile(r"(~=|===|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?")


class MissingError(Exception):
    """The local cloud's environment lacks a distribution (or its list of files)."""


def manifest() -> dict[str, dict[str, str]]:
    """{distribution: {"version", "requires_python"}} as installed beside the local cloud."""
    found: dict[str, dict[str, str]] = {}
    for name in DISTRIBUTIONS:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError as exc:
            raise MissingError(f"{name} is not installed beside the local cloud") from exc
        found[name] = {
            "version": dist.version,
            "requires_python": (dist.metadata.get_all("Requires-Python") or [""])[0],
        }
    return found


def directory(home: Path) -> Path:
    """`$TETHER_HOME/local/sdk/<boto3 version>`, made now unless it is there with the same
    versions. Raises MissingError or OSError."""
    known = _READY.get(home)
    if known is not None:
        return known
    with _LOCK:
        known = _READY.get(home)
        if known is not None:
            return known
        wanted = manifest()
        parent = home / "local" / "sdk"
        target = parent / wanted["boto3"]["version"]
        if _read_manifest(target) != wanted:
            _make(parent, target, wanted)
        _READY[home] = target
        return target


def warm(folder: Path, python: str, version: Sequence[int]) -> None:
    """Have `python` import boto3 from `folder` once (unless its bytecode is there): the
    `__pycache__` it writes makes every later import fast. Failures are left to the worker,
    which reports them as the function's init error."""
    tag = f"cpython-{version[0]}{version[1]}"
    if (folder / "botocore" / "__pycache__" / f"session.{tag}.pyc").exists():
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [python, "-I", "-c", WARM, str(folder)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=WARM_TIMEOUT,
            check=False,
        )


def unsupported(folder: Path, version: Sequence[int]) -> list[str]:
    """The distributions in `folder` that do not support Python `version`, worded."""
    problems = []
    for name, info in (_read_manifest(folder) or {}).items():
        requirement = info.get("requires_python", "")
        if requirement and not satisfies(version, requirement):
            problems.append(f"{name} {info.get('version', '')} needs Python {requirement}")
    return problems


def satisfies(version: Sequence[int], requirement: str) -> bool:
    """Whether `version` (3, 12, 1) meets a Requires-Python specifier (`>=3.9, !=3.0.*`);
    a clause that cannot be read is taken as met."""
    have = tuple(version)
    for clause in requirement.split(","):
        match = _CLAUSE.fullmatch(clause.strip())
        if match is None:
            continue
        op, text, wildcard = match[1], match[2], match[3]
        wanted = tuple(int(part) for part in text.split("."))
        if wildcard:
            same = have[: len(wanted)] == wanted
            if (op == "==" and not same) or (op == "!=" and same):
                return False
            continue
        width = max(len(have), len(wanted))
        mine = have + (0,) * (width - len(have))
        theirs = wanted + (0,) * (width - len(wanted))
        ok = {
            ">=": mine >= theirs,
            ">": mine > theirs,
            "<=": mine <= theirs,
            "<": mine < theirs,
            "==": mine == theirs,
            "===": mine == theirs,
            "!=": mine != theirs,
            "~=": mine >= theirs and have[: len(wanted) - 1] == wanted[:-1],
        }[op]
        if not ok:
            return False
    return True


# ---------------------------------------------------------------------------------------------


def _read_manifest(folder: Path) -> dict[str, dict[str, str]] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _make(parent: Path, target: Path, wanted: dict[str, dict[str, str]]) -> None:
    """Fill a staging directory beside `target`, then put it in `target`'s place."""
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=parent))
    try:
        for name in DISTRIBUTIONS:
            _copy_distribution(importlib.metadata.distribution(name), staging)
        (staging / MANIFEST).write_text(json.dumps(wanted, indent=1), encoding="utf-8")
        if target.exists():  # other versions under the same name: set them aside
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=parent))
            os.rename(target, old / "sdk")
            shutil.rmtree(old, ignore_errors=True)
        os.rename(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _copy_distribution(dist: importlib.metadata.Distribution, staging: Path) -> None:
    files = dist.files
    if not files:
        raise MissingError(f"{dist.metadata['Name']} has no list of its files (RECORD)")
    for entry in files:
        relative = PurePosixPath(str(entry))
        if ".." in relative.parts or "__pycache__" in relative.parts:
            continue  # scripts outside site-packages; bytecode of another Python
        source = Path(str(dist.locate_file(entry)))
        if not source.is_file():
            continue
        destination = staging.joinpath(*relative.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, destination)
        except FileExistsError:
            continue  # listed twice
        except OSError:  # another file system, or no hard links there
            shutil.copy2(source, destination)
