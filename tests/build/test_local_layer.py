"""The layer of a deploy to the local cloud is built for the Python that runs the code there:
the declared runtime's when this machine has it, else the local cloud's own (which the build
says, once per runtime); the layer for AWS stays built for the declared runtime.

Which Pythons "this machine has" is set with the overrides (`TETHER_PYTHON_3_X`): `none`, or
a tiny script answering as that Python would."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.build.conftest import write_wheel
from tests.helpers import write_project
from tether import Project, load_project
from tether.build import build_layer, build_project
from tether.runtime import interpreters

OWN = interpreters.own()
# A declared runtime that is not the local cloud's own Python.
DECLARED = "python3.13" if OWN.runtime == "python3.12" else "python3.12"
DECLARED_VERSION = DECLARED.removeprefix("python")

YAML = """
name: demo
runtime: {runtime}
functions:
  api:
    handler: app/api.handler
  other:
    handler: app/other.handler
    runtime: {other}
"""


@pytest.fixture(autouse=True)
def _fresh_search() -> Iterator[None]:
    interpreters.clear_cache()
    yield
    interpreters.clear_cache()


def project(root: Path, runtime: str = DECLARED, other: str = "") -> Project:
    text = YAML.format(runtime=runtime, other=other or runtime)
    requirements = "--no-index\n--find-links wheels\ntinywheel\n"
    write_project(root, text, {"requirements.txt": requirements})
    write_wheel(root / "wheels", "tinywheel", "1.0")
    return load_project(root)


def recording_pip(log: Path) -> list[str]:
    """pip, writing its arguments to `log` first."""
    code = (
        "import json, runpy, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "sys.argv[0] = 'pip'\n"
        "runpy.run_module('pip', run_name='__main__')\n"
    )
    return [sys.executable, "-c", code]


def python_versions(log: Path) -> list[str]:
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return [call[call.index("--python-version") + 1] for call in calls]


def fake_python(path: Path, version: str) -> Path:
    numbers = ", ".join(version.split("."))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '[[{numbers}], \"cpython\", false]'\n")
    path.chmod(0o755)
    return path


def test_the_layer_is_built_for_the_python_given(tmp_path: Path) -> None:
    demo = project(tmp_path / "demo")
    log = tmp_path / "pip.log"
    messages: list[str] = []
    declared = build_layer(demo, pip=recording_pip(log))
    other = build_layer(demo, pip=recording_pip(log), python="3.11", progress=messages.append)
    assert declared is not None and other is not None
    assert python_versions(log) == [DECLARED_VERSION, "3.11"]
    assert other.path != declared.path  # the version is part of the cache key
    assert f"with pip for python3.11 (what runs {DECLARED} here) on " in messages[0]
    again = build_layer(demo, pip=["/nonexistent/pip"], python="3.11")
    assert again is not None and again.cached and again.sha256 == other.sha256


def test_a_runtime_missing_here_gets_a_local_layer_for_the_local_clouds_python_and_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(interpreters.override_name(DECLARED), "none")
    demo = project(tmp_path / "demo")
    messages: list[str] = []
    local = build_project(demo, progress=messages.append, local=True)
    notes = [m for m in messages if m.startswith("note: ")]
    assert notes == [
        f"note: functions declared {DECLARED} run locally on Python {OWN.version_text}: "
        f"{interpreters.override_name(DECLARED)} is set to none"
    ]  # once, although two functions declare it
    assert any(f"with pip for {OWN.runtime} (what runs {DECLARED} here)" in m for m in messages)
    aws = build_project(demo)  # the layer for AWS: the declared runtime's
    assert local.layer is not None and aws.layer is not None
    assert local.layer.path != aws.layer.path
    assert local.code.sha256 == aws.code.sha256
    mine = build_layer(demo, pip=["/nonexistent/pip"], python=OWN.version_text)
    assert mine is not None and mine.sha256 == local.layer.sha256


def test_a_runtime_installed_here_gets_the_same_layer_as_aws_and_no_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = fake_python(tmp_path / "bin" / f"python{DECLARED_VERSION}", f"{DECLARED_VERSION}.4")
    monkeypatch.setenv(interpreters.override_name(DECLARED), str(python))
    demo = project(tmp_path / "demo")
    messages: list[str] = []
    local = build_project(demo, progress=messages.append, local=True)
    assert not [m for m in messages if m.startswith("note: ")]
    assert any(f"with pip for {DECLARED} on " in m for m in messages)
    aws = build_project(demo)
    assert local.layer is not None and aws.layer is not None
    assert aws.layer.cached and aws.layer.sha256 == local.layer.sha256


def test_each_missing_runtime_is_said_once_and_the_layer_follows_the_projects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(interpreters.override_name(DECLARED), "none")
    demo = project(tmp_path / "demo", runtime=OWN.runtime, other=DECLARED)
    messages: list[str] = []
    log = tmp_path / "pip.log"
    build_project(demo, progress=messages.append, local=True)
    notes = [m for m in messages if m.startswith("note: ")]
    assert len(notes) == 1 and f"functions declared {DECLARED} run locally" in notes[0]
    build_layer(demo, pip=recording_pip(log))  # cached: the same as the local one
    assert not log.exists()


def test_a_build_without_local_says_nothing_of_pythons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(interpreters.override_name(DECLARED), "none")
    messages: list[str] = []
    build_project(project(tmp_path / "demo"), progress=messages.append)
    assert not [m for m in messages if m.startswith("note: ")]
    assert any(f"with pip for {DECLARED} on " in m for m in messages)
