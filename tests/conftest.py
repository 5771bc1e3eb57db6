"""Shared fixtures: the example project, loaded once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.helpers import EXAMPLE
from tether import Project
from tether.loading import load

# The local cloud with test hooks for the router and scheduler tests (started only when used).
pytest_plugins = ["tests.localcloud.router_fixtures"]


@pytest.fixture(scope="session")
def photos() -> Project:
    return load(EXAMPLE)


@pytest.fixture(scope="session", autouse=True)
def private_tether_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test touches the developer's own TETHER_HOME (nor starts a local cloud there): fixtures
    that start a local cloud point TETHER_HOME at their own folder on top of this one."""
    previous = os.environ.get("TETHER_HOME")
    home = str(tmp_path_factory.mktemp("home"))
    os.environ["TETHER_HOME"] = home
    try:
        yield
    finally:
        from tether.localcloud import process

        os.environ["TETHER_HOME"] = home
        process.stop()  # one a test started by running a command, if any
        if previous is None:
            os.environ.pop("TETHER_HOME", None)
        else:
            os.environ["TETHER_HOME"] = previous
