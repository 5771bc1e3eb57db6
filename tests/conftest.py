"""Shared fixtures: the example project, loaded once per session."""

from __future__ import annotations

import pytest

from tests.helpers import EXAMPLE
from tether import Project, load_project


@pytest.fixture(scope="session")
def photos() -> Project:
    return load_project(EXAMPLE)
