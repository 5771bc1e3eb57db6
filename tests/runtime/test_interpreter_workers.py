"""Workers on the Python of the function's runtime (the runtime in this process): on another
interpreter than the local cloud's own, boto3 comes from the SDK's directory, after the code
and layers as in Lambda, with a spare of that interpreter; a runtime this machine lacks runs on
the local cloud's Python.

"Another interpreter" is made on any machine: the local cloud's own Python, reached through
a symlink elsewhere (outside its virtual environment, if any) and named by the override."""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.runtime.helpers import wait_for
from tests.runtime.test_workers import OWN_RUNTIME, spec
from tether.runtime import CodeSource, FunctionSpec, Runtime, interpreters, sdk

PROBE = """
import importlib.metadata, os, sys

PRELOADED = "boto3" in sys.modules
import boto3


def handler(event, context):
    return {
        "pid": os.getpid(),
        "executable": sys.executable,
        "version": list(sys.version_info[:2]),
        "boto3": boto3.__file__,
        "boto3_version": importlib.metadata.version("boto3"),
        "path": sys.path,
        "preloaded": PRELOADED,
    }
"""


@pytest.fixture
def other_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The local cloud's own Python under another path, chosen for OWN_RUNTIME."""
    link = tmp_path / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    link.parent.mkdir()
    link.symlink_to(os.path.realpath(sys.executable))
    monkeypatch.setenv(interpreters.override_name(OWN_RUNTIME), str(link))
    interpreters.clear_cache()
    yield str(link)
    interpreters.clear_cache()


def layer(files: dict[str, str]) -> CodeSource:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    data = buffer.getvalue()
    return CodeSource(hashlib.sha256(data).hexdigest(), lambda: data)


def named(function: FunctionSpec, name: str) -> FunctionSpec:
    return replace(function, arn=function.arn.rsplit(":", 1)[0] + f":{name}", name=name)


def run(runtime: Runtime, function: FunctionSpec) -> dict[str, object]:
    result = runtime.invoke(function, "{}")
    assert not result.errored, result.payload + result.log
    payload: dict[str, object] = json.loads(result.payload)
    return payload


def test_a_worker_on_another_interpreter_gets_boto3_after_its_code_and_layers(
    runtime: Runtime, other_python: str, tmp_path: Path
) -> None:
    function = replace(
        spec({"app/main.py": PROBE}), layers=(layer({"python/mylib.py": "X = 1\n"}),)
    )
    ran = run(runtime, function)
    home = tmp_path / "home"
    folder = home / "local" / "sdk" / importlib.metadata.version("boto3")
    assert ran["executable"] == other_python
    assert ran["boto3"] == str(folder / "boto3" / "__init__.py")
    assert ran["boto3_version"] == importlib.metadata.version("boto3")  # its metadata too
    path = ran["path"]
    assert isinstance(path, list)
    code = path[0]
    assert str(code).startswith(str(home / "local" / "code"))
    assert str(path[1]).startswith(str(home / "local" / "layers"))  # the layer's python/
    assert path[2] == str(folder)  # then the SDK, then the interpreter's own paths
    if sys.prefix != sys.base_prefix:  # none of the local cloud's virtual environment
        assert not any(str(p).startswith(sys.prefix) for p in path)


def test_a_function_bundling_boto3_imports_its_own_on_any_interpreter(
    runtime: Runtime, other_python: str
) -> None:
    own = {"boto3/__init__.py": "__file__ = 'bundled'\n"}
    probe = (
        "import sys, boto3\n\ndef handler(event, context):\n"
        "    return {'boto3': boto3.__file__, 'executable': sys.executable}\n"
    )
    ran = run(runtime, spec({"app/main.py": probe, **own}))
    assert ran == {"boto3": "bundled", "executable": other_python}


def test_each_interpreter_has_its_spare(runtime: Runtime, other_python: str) -> None:
    first = named(spec({"app/main.py": PROBE}), "first")
    runtime.prepare(first)  # as when the function is created: the spare of its interpreter
    folder = runtime.placement(first)[1]
    assert folder is not None
    theirs = runtime.spare_for(other_python, folder)
    spare_pid = wait_for(lambda: theirs.pid, timeout=30)
    ran = run(runtime, first)
    assert ran["pid"] == spare_pid and ran["preloaded"] and ran["executable"] == other_python
    assert runtime.spare.pid != spare_pid  # the local cloud's own is for its own functions
    spare_pid = wait_for(lambda: theirs.pid, timeout=30)  # refilled
    again = run(runtime, named(spec({"app/main.py": PROBE}), "second"))
    assert again["pid"] == spare_pid


def test_a_runtime_not_installed_runs_on_the_local_clouds_python(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TETHER_PYTHON_3_42", "none")
    caplog.set_level(logging.WARNING, "tether.runtime")
    for name in ("one", "two"):
        function = named(spec({"app/main.py": PROBE}, runtime="python3.42"), name)
        ran = run(runtime, function)
        assert ran["executable"] == sys.executable
        assert ran["version"] == list(sys.version_info[:2])
    said = [r.getMessage() for r in caplog.records if "python3.42" in r.getMessage()]
    own = interpreters.own().version_text
    assert said == [
        f"functions declared python3.42 run locally on Python {own}: "
        "TETHER_PYTHON_3_42 is set to none"
    ]


def test_an_sdk_the_interpreter_cannot_run_is_not_given(
    runtime: Runtime,
    other_python: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(sdk, "unsupported", lambda folder, version: ["urllib3 9 needs >=3.99"])
    caplog.set_level(logging.WARNING, "tether.runtime")
    code = "import sys\n\ndef handler(event, context):\n    return sys.path\n"
    ran = runtime.invoke(spec({"app/main.py": code}), "{}")
    assert not any("/local/sdk/" in p for p in json.loads(ran.payload))
    assert any(
        "get no boto3 from the local cloud: urllib3 9" in r.getMessage() for r in caplog.records
    )


def test_the_sdk_directory_is_made_once_from_the_local_clouds_packages(tmp_path: Path) -> None:
    folder = sdk.directory(tmp_path)
    assert folder == tmp_path / "local" / "sdk" / importlib.metadata.version("boto3")
    made = (folder / sdk.MANIFEST).stat().st_mtime_ns
    assert json.loads((folder / sdk.MANIFEST).read_text()) == sdk.manifest()
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"):
        assert (folder / name / "__init__.py").is_file(), name
    assert (folder / "six.py").is_file()
    assert not list(folder.rglob("*.so")) and not list(folder.rglob("*.pyc"))  # pure, no bytecode
    source = Path(importlib.metadata.distribution("botocore").locate_file("botocore/session.py"))
    copied = folder / "botocore" / "session.py"
    assert copied.read_bytes() == source.read_bytes()
    if source.stat().st_dev == copied.stat().st_dev:
        assert copied.stat().st_ino == source.stat().st_ino  # hard-linked
    assert sdk.directory(tmp_path) == folder
    sdk._READY.clear()  # another process of the local cloud on the same home: reused
    assert sdk.directory(tmp_path) == folder
    assert (folder / sdk.MANIFEST).stat().st_mtime_ns == made

    (folder / sdk.MANIFEST).write_text(json.dumps({"botocore": {"version": "0.0"}}))
    sdk._READY.clear()  # other versions under that name: made again
    assert sdk.directory(tmp_path) == folder
    assert json.loads((folder / sdk.MANIFEST).read_text()) == sdk.manifest()


def test_the_sdk_says_which_pythons_it_supports(tmp_path: Path) -> None:
    folder = sdk.directory(tmp_path)
    assert sdk.unsupported(folder, sys.version_info[:3]) == []
    too_old = sdk.unsupported(folder, (3, 0, 0))
    assert any(problem.startswith("urllib3 ") for problem in too_old)


@pytest.mark.parametrize(
    ("version", "requirement", "expected"),
    [
        ((3, 12, 1), ">=3.9", True),
        ((3, 9, 18), ">= 3.10", False),
        ((3, 10, 0), ">= 3.10", True),
        ((3, 8, 0), ">=3.8, <4", True),
        ((3, 2, 5), "!=3.0.*,!=3.1.*,!=3.2.*,>=2.7", False),
        ((3, 3, 0), "!=3.0.*,!=3.1.*,!=3.2.*,>=2.7", True),
        ((3, 11, 0), "~=3.9", True),
        ((3, 11, 0), "~=3.9.0", False),
        ((3, 11, 4), "==3.11.*", True),
        ((3, 11, 4), "<3.11.4", False),
        ((3, 11, 4), "something odd", True),
    ],
)
def test_requires_python(version: tuple[int, ...], requirement: str, expected: bool) -> None:
    assert sdk.satisfies(version, requirement) is expected


def test_the_worker_runs_on_every_lambda_python() -> None:
    """What a worker loads parses as Python 3.9 (the oldest of Lambda's Python runtimes)."""
    folder = Path(interpreters.__file__).parent
    for name in ("worker", "protocol", "context", "failures"):
        source = (folder / f"{name}.py").read_text()
        ast.parse(source, f"{name}.py", feature_version=(3, 9))


def test_this_machines_pythons_are_what_they_say() -> None:
    """Of Lambda's runtimes, what this machine has (on the real PATH, pyenv, uv) answers as
    that runtime, and what it lacks is said."""
    from tether.model.rules import RUNTIMES

    interpreters.clear_cache()
    for runtime in RUNTIMES:
        found = interpreters.find(runtime)
        if found is None:
            assert interpreters.lookup(runtime).reason
            assert interpreters.resolve(runtime) == interpreters.own()
            continue
        assert found.runtime == runtime and os.access(found.path, os.X_OK)
        answer = interpreters.probe(found.path)
        assert not isinstance(answer, str) and answer[0][:2] == found.version
        assert "/shims/" not in found.path
