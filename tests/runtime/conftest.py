"""Fixtures for the runtime tests: one real local cloud process per xdist worker (started
like tests/localcloud's, with its own TETHER_HOME, and with fake "real" AWS credentials in its
environment that functions must never see), TETHER_HOME pointing at it during each test so
`deploy(..., target="local")` finds it, and boto3 clients of it.

The projects deployed there declare python3.12 (the default): when this machine has it, their
workers run on it with the SDK's directory of the home, made (with its bytecode) before the
tests, as a user's home has it after the first deploy: what a test times is a cold start, not
that one-time setup."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import started_local_cloud
from tests.localcloud.conftest import aws  # noqa: F401  (boto3 clients of `cloud`)
from tests.runtime.helpers import LEAKED_ENV
from tether.localcloud import LocalCloud
from tether.runtime import interpreters, sdk


@pytest.fixture(scope="session")
def runtime_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tether-home")


@pytest.fixture(scope="session")
def cloud_home(runtime_home: Path) -> Path:
    """The home whose credentials `aws` signs with."""
    return runtime_home


@pytest.fixture(scope="session")
def cloud(runtime_home: Path) -> Iterator[LocalCloud]:
    found = interpreters.find("python3.12")
    if found is not None and not found.own:
        sdk.warm(sdk.directory(runtime_home), found.path, found.version_info)
    with started_local_cloud(runtime_home, dict(LEAKED_ENV)) as started:
        yield started


@pytest.fixture(autouse=True)
def _home_of_the_cloud(runtime_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deploys in a test go to this cloud (fixtures of wider scope use `deploy_project`)."""
    monkeypatch.setenv("TETHER_HOME", str(runtime_home))
