"""A real local cloud process for the functional tests (one per xdist worker), and a fresh copy
of the example project per test so every test deploys its own stage."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.helpers import EXAMPLE, local_session, running_local_cloud


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the local cloud on a free port with its own TETHER_HOME; yield its endpoint."""
    with running_local_cloud(tmp_path_factory.mktemp("tether-home")) as endpoint:
        yield endpoint


@pytest.fixture
def photos_copy(tmp_path: Path) -> Path:
    target = tmp_path / "photos"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    return target


@pytest.fixture
def aws(local_cloud: str) -> boto3.session.Session:
    """boto3 pointed at the local cloud, as a user's script would be."""
    session: boto3.session.Session = local_session()
    return session


def client(session: boto3.session.Session, service: str, endpoint: str) -> object:
    return session.client(service, endpoint_url=endpoint)
