"""Test helpers: write a throwaway project to disk, run the real `tether` command, talk to the
local cloud with its credentials."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
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


@contextlib.contextmanager
def running_local_cloud(home: Path) -> Iterator[str]:
    """A real local cloud on a free port with `home` as TETHER_HOME (set for this process while
    it runs, so Tether's own clients find it); yields its endpoint. The session fixtures of the
    test folders that need one are built on this."""
    from tether.localcloud import process

    previous = os.environ.get("TETHER_HOME")
    os.environ["TETHER_HOME"] = str(home)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    cloud = process.start(port)
    try:
        yield cloud.endpoint
    finally:
        process.stop()
        if previous is None:
            os.environ.pop("TETHER_HOME", None)
        else:
            os.environ["TETHER_HOME"] = previous


@contextlib.contextmanager
def running_ide(root: Path, *, stage: str = "dev") -> Iterator[tuple[Any, Any]]:
    """The IDE server on `root` (target local) in a thread of this process, on a free port,
    until the block ends; yields (server, config). The IDE fixtures of the API and browser
    tests are built on this."""
    from tether.ide.server import serving_in_thread

    with serving_in_thread(root, stage=stage) as running:
        yield running
