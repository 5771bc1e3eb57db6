"""A tiny project for deploy-safety tests: two functions in separate modules, each answering
with a word from its own file, so which code is live shows in what an invoke returns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tether import load_project
from tether.cloud import Cloud
from tether.deploy.pipeline import open_target
from tether.model import Project

PROJECT = """\
name: {name}
runtime: python3.12
region: us-east-1
{resources}
functions:
  alpha:
    handler: app/alpha.handler
  beta:
    handler: app/beta.handler
"""


def write_tiny(root: Path, *, name: str = "tiny", resources: str = "") -> Path:
    (root / "app").mkdir(parents=True, exist_ok=True)
    (root / "app" / "__init__.py").write_text("")
    say(root, "alpha", "one")
    say(root, "beta", "one")
    set_resources(root, resources, name=name)
    return root


def set_resources(root: Path, resources: str, *, name: str = "tiny") -> None:
    """Rewrite tether.yaml with these lines under `resources:` (none: no resources)."""
    lines = "".join(f"  {line.strip()}\n" for line in resources.splitlines() if line.strip())
    block = f"resources:\n{lines}" if lines else ""
    (root / "tether.yaml").write_text(PROJECT.format(name=name, resources=block))


def say(root: Path, function: str, word: str) -> None:
    """Make `function` answer `word` (written as an editor saves: whole, then renamed)."""
    path = root / "app" / f"{function}.py"
    partial = path.with_name(f".{path.name}.saving")
    partial.write_text(f"def handler(event, context):\n    return {word!r}\n")
    partial.replace(path)


def project(root: Path) -> Project:
    return load_project(root)


def cloud(root: Path) -> Cloud:
    return open_target(load_project(root), "local")


def answer(root: Path, stage: str, function: str) -> Any:
    """What the deployed function returns now."""
    lam = cloud(root).client("lambda")
    name = f"{load_project(root).name}-{stage}-{function}"
    return json.loads(lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())
