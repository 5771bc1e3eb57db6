"""Shared fixtures: the example project, loaded once per session."""

from __future__ import annotations

import pytest

from tests.helpers import EXAMPLE
from tether import Project
from tether.loading import load


@pytest.fixture(scope="session")
def photos() -> Project:
    return load(EXAMPLE)
