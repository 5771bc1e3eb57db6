"""Fixtures for the build tests: tmp projects, local wheels and sdists, a PyPI probe."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import write_project
from tether import Project, load_project

PROJECT_YAML = """
name: demo
runtime: python3.12
functions:
  api:
    handler: app/api.handler
"""

ProjectFactory = Callable[..., Project]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "network: needs PyPI (skipped when it is unreachable)")


@pytest.fixture
def make_project(tmp_path: Path) -> ProjectFactory:
    """Write a project (tether.yaml + app/api.py + `files`) under tmp_path and load it."""

    def make(files: dict[str, str] | None = None, name: str = "demo") -> Project:
        root = write_project(tmp_path / name, PROJECT_YAML, files)
        return load_project(root)

    return make


def write_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal pure-Python wheel (module + dist-info) that pip installs offline."""
    folder.mkdir(parents=True, exist_ok=True)
    info = f"{name}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{name}.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": meta,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for entry, text in files.items():
            wheel.writestr(entry, text)
        wheel.writestr(f"{info}/RECORD", "".join(f"{e},,\n" for e in [*files, f"{info}/RECORD"]))
    return path


def write_sdist(folder: Path, name: str, version: str) -> Path:
    """A source-only distribution (PKG-INFO + setup.py), which --only-binary=:all: refuses."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}.tar.gz"
    files = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        "setup.py": f"from setuptools import setup\nsetup(name={name!r}, version={version!r})\n",
    }
    with tarfile.open(path, "w:gz") as tar:
        for entry, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"{name}-{version}/{entry}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return path


@pytest.fixture(scope="session")
def pypi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Skip, with the reason, when pip cannot download from the package index."""
    target = tmp_path_factory.mktemp("probe")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(target)]
    try:
        done = subprocess.run([*command, "six==1.16.0"], capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.skip("PyPI unreachable: `pip download six==1.16.0` timed out after 90 s")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"PyPI unreachable: `pip download six==1.16.0` failed: {last}")
    yield
