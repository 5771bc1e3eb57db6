"""Fixtures (no tests) for the HTTP router and scheduler tests: one local cloud process per
xdist worker with the test-only hooks on, registered as a plugin by tests/conftest.py (so it
starts once per worker, and only for the tests that use it). It is the one cloud besides the
session's shared `cloud`: a clock running 60x faster would fire every other test's schedules.

- `TETHER_TEST_CLOCK_SPEED=60`: schedule time runs 60x faster, so `rate(1 minute)` fires every
  real second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.config import Config

from tests.helpers import local_session, started_local_cloud
from tests.localcloud.helpers import REGION
from tether.localcloud import LocalCloud, client, home_credentials

CLOCK_SPEED = 60


@dataclass(frozen=True)
class HookedCloud:
    cloud: LocalCloud
    home: Path

    @property
    def endpoint(self) -> str:
        return self.cloud.endpoint

    def client(self, service: str) -> Any:
        session = local_session(self.home, REGION)
        config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
        return session.client(service, endpoint_url=self.endpoint, config=config)

    def request_json(self, url: str, method: str = "GET") -> tuple[int, Any]:
        return request_json(url, method, home=self.home)


@pytest.fixture(scope="session")
def hooked_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HookedCloud]:
    home = tmp_path_factory.mktemp("tether-home-hooked")
    with started_local_cloud(home, {"TETHER_TEST_CLOCK_SPEED": str(CLOCK_SPEED)}) as started:
        yield HookedCloud(started, home)


def request_json(url: str, method: str = "GET", *, home: Path | None = None) -> tuple[int, Any]:
    """(status, JSON body) of a request to the local cloud's own endpoints, signed with the
    credentials of `home` (default: TETHER_HOME); HTTP errors are answers too."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    status, body = client.request(
        f"{parts.scheme}://{parts.netloc}", method, path, credentials=home_credentials(home)
    )
    return status, json.loads(body)


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll until `condition()` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
