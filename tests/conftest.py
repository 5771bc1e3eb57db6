"""Shared fixtures: the example project, loaded once per session."""

from __future__ import annotations

import pytest

from tether import Project, load_project
from tests.helpers import EXAMPLE


@pytest.fixture(scope="session")
def photos() -> Project:
    return load_project(EXAMPLE)
