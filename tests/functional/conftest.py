"""For the functional tests, on the session's local cloud (`local_cloud`, tests/conftest.py): a
fresh copy of the example project per test, and boto3 pointed at the cloud."""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3
import pytest

from tests.helpers import EXAMPLE, local_session


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
