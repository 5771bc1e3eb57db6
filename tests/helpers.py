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
# `make test-fast` sets this: property tests then try a tenth of their examples.
FAST_TIER = os.environ.get("TETHER_TEST_TIER") == "fast"
EXAMPLE = REPO / "examples" / "photos"
HELLO = REPO / "examples" / "hello"  # one function behind an HTTP API
# Set in the local cloud's own environment: a function must never see them.
LEAKED_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAREALUSERKEY00000",
    "AWS_SECRET_ACCESS_KEY": "real-user-secret-must-not-leak",
    "TETHER_TEST_PRIVATE": "private-to-the-local-cloud",
}


HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def examples(thorough: int) -> int:
    """How many examples a property test tries: `thorough` in the whole suite (`make test`), a
    tenth of it (at least 5) in the edit-test loop's tier (`make test-fast`)."""
    return max(5, thorough // 10) if FAST_TIER else thorough


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


def alive(pid: int) -> bool:
    """Whether a process with this pid exists (a zombie counts until it is reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def started_local_cloud(home: Path, env: dict[str, str] | None = None) -> Iterator[Any]:
    """The one way tests start a local cloud: a real server process on a free port with `home`
    as its TETHER_HOME and `env` in its environment (both set in this process only while it
    starts and stops); yields its LocalCloud. Every test folder's session fixture uses it."""
    from tether.localcloud import process

    variables = {"TETHER_HOME": str(home), **(env or {})}

    @contextlib.contextmanager
    def environment() -> Iterator[None]:
        saved = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    with environment():
        cloud = process.start(free_port())
    try:
        yield cloud
    finally:
        with environment():
            process.stop()


@contextlib.contextmanager
def home_of_this_process(home: Path) -> Iterator[None]:
    """`home` as this process's TETHER_HOME until the block ends (so Tether's own clients, the
    CLI and the IDE find the local cloud kept there), the previous one after."""
    previous = os.environ.get("TETHER_HOME")
    os.environ["TETHER_HOME"] = str(home)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TETHER_HOME", None)
        else:
            os.environ["TETHER_HOME"] = previous


@contextlib.contextmanager
def running_local_cloud(home: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`started_local_cloud`, with `home` as TETHER_HOME of this process for as long as it runs
    (so Tether's own clients find it); yields its endpoint."""
    with started_local_cloud(home, env) as cloud, home_of_this_process(home):
        yield str(cloud.endpoint)


@contextlib.contextmanager
def running_ide(root: Path, *, stage: str = "dev") -> Iterator[tuple[Any, Any]]:
    """The IDE server on `root` (target local) in a thread of this process, on a free port,
    until the block ends; yields (server, config). The IDE fixtures of the API and browser
    tests are built on this."""
    from tether.ide.server import serving_in_thread

    with serving_in_thread(root, stage=stage) as running:
        yield running
