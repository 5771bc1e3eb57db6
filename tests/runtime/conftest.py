"""Fixtures for the runtime tests, on the session's local cloud (`cloud`, tests/conftest.py,
whose environment holds fake "real" AWS credentials that functions must never see): TETHER_HOME
pointing at it during each test so `deploy(..., target="local")` finds it, and boto3 clients of
it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.localcloud.conftest import aws  # noqa: F401  (boto3 clients of `cloud`)


@pytest.fixture(autouse=True)
def _home_of_the_cloud(cloud_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deploys in a test go to the session's cloud (fixtures of wider scope use
    `deploy_project`)."""
    monkeypatch.setenv("TETHER_HOME", str(cloud_home))
