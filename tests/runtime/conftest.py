"""Fixtures for the runtime tests, on the session's local cloud (`cloud`, tests/conftest.py,
whose environment holds fake "real" AWS credentials that functions must never see): TETHER_HOME
pointing at it during each test so `deploy(..., target="local")` finds it, and boto3 clients of
it; and a Runtime of the test's own, with no local cloud behind it (a module that needs
another one, with a sink it reads or fewer slots, defines its own `runtime`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.localcloud.conftest import aws  # noqa: F401  (boto3 clients of `cloud`)
from tests.runtime.test_workers import ListSink
from tether.runtime import Runtime


@pytest.fixture(autouse=True)
def _home_of_the_cloud(cloud_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deploys in a test go to the session's cloud (fixtures of wider scope use
    `deploy_project`)."""
    monkeypatch.setenv("TETHER_HOME", str(cloud_home))


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    made = Runtime(home=tmp_path / "home", endpoint=lambda: "http://127.0.0.1:9", sink=ListSink())
    try:
        yield made
    finally:
        made.shutdown()
