"""Test helpers: write a throwaway project to disk, run the real `tether` command, talk to the
local cloud with its credentials."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "photos"
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def write_project(root: Path, yaml_text: str, handlers: dict[str, str] | None = None) -> Path:
    """Write tether.yaml and handler files; every `app/<name>.py` mentioned gets a handler."""
    root.mkdir(parents=True, exist_ok=True)
    text = textwrap.dedent(yaml_text).lstrip()
    (root / "tether.yaml").write_text(text)
    for line in text.splitlines():
        if "handler:" in line:
            module = line.split("handler:", 1)[1].strip().split()[0].rsplit(".", 1)[0]
            path = root / f"{module}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(HANDLER)
    for rel, code in (handlers or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(code)
    return root


def tether(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI in a subprocess, as a user would."""
    env = {**(os.environ if env is None else env), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "tether.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def local_session(home: Path | None = None, region: str = "us-east-1") -> Any:
    """A boto3 Session signed with the credentials of the local cloud of `home` (default:
    TETHER_HOME), as `eval "$(tether local env)"` gives a user's scripts."""
    import boto3

    from tether.localcloud import home_credentials

    keys = home_credentials(home)
    return boto3.Session(
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        region_name=region,
    )
