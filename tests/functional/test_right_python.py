"""The right Python on a real local cloud: a function runs on the interpreter of its declared
runtime when this machine has one (and imports boto3 there, as on Lambda); when it has none,
on the local cloud's own, which the deploy says once, with the local layer built for the
Python that runs the code. A compiled dependency (orjson, from PyPI) imports either way.

The machine decides the first case (python3.12 is found, or the fallback is what is checked);
the second forces the absence of a runtime with `TETHER_PYTHON_3_X=none`, set for the local
cloud of this module and for the deploys."""

from __future__ import annotations

import dataclasses
import json
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import local_session, running_local_cloud, tether, write_project
from tether import load_project
from tether.build import build_project
from tether.model.rules import RUNTIMES
from tether.runtime import interpreters

OWN = f"python{sys.version_info.major}.{sys.version_info.minor}"
DECLARED = "python3.12"  # what `tether init` declares
# A runtime made absent for this module: neither the local cloud's own nor DECLARED.
HIDDEN = next(r for r in reversed(RUNTIMES) if r not in (OWN, DECLARED))

PROJECT = """
name: {name}
runtime: {runtime}
functions:
  probe:
    handler: app/probe.handler
  other:
    handler: app/other.handler
"""

PROBE = """
import sys

import boto3
import orjson


def handler(event, context):
    return {
        "version": list(sys.version_info[:2]),
        "executable": sys.executable,
        "boto3": boto3.__file__,
        "orjson": orjson.loads(orjson.dumps({"compiled": True}))["compiled"],
        "so": orjson.orjson.__file__ if hasattr(orjson, "orjson") else orjson.__file__,
    }
"""


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A local cloud of this module's own, to which HIDDEN is not installed; (endpoint, home)."""
    home = tmp_path_factory.mktemp("right-python-home")
    with pytest.MonkeyPatch.context() as env:
        env.setenv(interpreters.override_name(HIDDEN), "none")
        with running_local_cloud(home) as endpoint:  # TETHER_HOME is `home` meanwhile
            yield endpoint, home


def deploy(root: Path, runtime: str) -> tuple[dict[str, str], str]:
    """Write and deploy a project of `runtime` with orjson; (outputs, what the deploy said)."""
    name = "py" + uuid.uuid4().hex[:6]
    write_project(
        root,
        PROJECT.format(name=name, runtime=runtime),
        {
            "app/probe.py": PROBE,
            "app/other.py": "def handler(event, context):\n    return 1\n",
            "requirements.txt": "orjson\n",
        },
    )
    done = tether("deploy", "--stage", "rp", "--yes", cwd=root)
    assert done.returncode == 0, done.stderr + done.stdout
    outputs = tether("outputs", "--stage", "rp", "--json", cwd=root)
    assert outputs.returncode == 0, outputs.stderr
    return dict(json.loads(outputs.stdout)), done.stderr + done.stdout


def probe(endpoint: str, outputs: dict[str, str]) -> dict[str, Any]:
    lam = local_session().client("lambda", endpoint_url=endpoint)
    response = lam.invoke(FunctionName=outputs["ProbeFunctionArn"], Payload=b"{}")
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    assert isinstance(body, dict)
    return body


def extension_modules(layer: Path) -> list[str]:
    with zipfile.ZipFile(layer) as archive:
        return [n for n in archive.namelist() if n.startswith("python/orjson/") and ".so" in n]


def note(runtime: str) -> str:
    return f"note: functions declared {runtime} run locally on Python {OWN.removeprefix('python')}"


def test_a_function_runs_on_the_python_of_its_runtime(
    cloud: tuple[str, Path], tmp_path: Path
) -> None:
    endpoint, home = cloud
    outputs, said = deploy(tmp_path / "declared", DECLARED)
    found = interpreters.find(DECLARED)
    ran = probe(endpoint, outputs)
    assert ran["orjson"] is True  # the compiled wheel imports
    if found is not None:  # the machine has it: the function runs on it
        assert ran["version"] == [3, 12]
        assert ran["executable"] == found.path
        assert note(DECLARED) not in said
        if not found.own:  # boto3 as Lambda's runtime ships it, from the SDK directory
            assert ran["boto3"].startswith(str(home / "local" / "sdk"))
        assert "cpython-312" in ran["so"]
    else:  # it has not: the fallback, said once
        assert ran["version"] == list(sys.version_info[:2])
        assert said.count(note(DECLARED)) == 1
        assert f"cpython-{sys.version_info.major}{sys.version_info.minor}" in ran["so"]


def test_a_runtime_not_installed_runs_on_the_local_clouds_python_and_the_deploy_says_so(
    cloud: tuple[str, Path], tmp_path: Path
) -> None:
    endpoint, _ = cloud
    assert interpreters.find(HIDDEN) is None
    root = tmp_path / "hidden"
    outputs, said = deploy(root, HIDDEN)
    # once per deploy, although two functions declare it
    expected = f"{note(HIDDEN)}: {interpreters.override_name(HIDDEN)} is set to none"
    assert said.count(note(HIDDEN)) == 1 and expected in said, said
    ran = probe(endpoint, outputs)
    assert ran["version"] == list(sys.version_info[:2])
    assert ran["orjson"] is True and ran["executable"] == sys.executable
    assert ran["boto3"]  # the local cloud's own environment has it
    tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
    assert tag in ran["so"]

    # the layer deployed locally is built for the Python that runs it; the one for AWS for the
    # declared runtime (same requirements, another Python: another cache entry)
    project = load_project(root)
    local = build_project(project, local=True).layer
    aws = build_project(project).layer
    assert local is not None and aws is not None
    assert local.cached and local.sha256 != aws.sha256
    hidden_tag = "cpython-" + HIDDEN.removeprefix("python").replace(".", "")
    assert all(tag in name for name in extension_modules(local.path))
    assert extension_modules(aws.path) and all(
        hidden_tag in name for name in extension_modules(aws.path)
    )

    # The layer's Python is recorded; when another Python runs the runtime later (one was
    # installed, or the override changed), a quick deploy would keep a layer whose compiled
    # wheels cannot import there: it is refused, and a full deploy rebuilds the layer.
    from tether.deploy.state import load_state, save_state

    state = load_state(root, "rp")
    assert state is not None and state.layer_python == OWN.removeprefix("python")
    save_state(root, dataclasses.replace(state, layer_python="3.8"))
    (root / "app" / "other.py").write_text("def handler(event, context):\n    return 2\n")
    quick = tether("deploy", "--stage", "rp", "--quick", cwd=root)
    assert quick.returncode != 0
    assert (
        f"cannot quick deploy: {HIDDEN} now runs on Python {OWN.removeprefix('python')} here; "
        "the dependency layer was built for Python 3.8"
    ) in quick.stderr, quick.stderr
    full = tether("deploy", "--stage", "rp", "--yes", cwd=root)
    assert full.returncode == 0, full.stderr
    assert load_state(root, "rp").layer_python == OWN.removeprefix("python")  # type: ignore[union-attr]
