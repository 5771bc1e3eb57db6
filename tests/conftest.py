"""Shared fixtures (the example project, loaded once per session; a private TETHER_HOME; the
one local cloud of the session) and the test tiers: each test that needs a local cloud is
marked `cloud`, each that runs cfn-lint `lint`, so `make test-fast` (`-m "not cloud and not
lint and not network"`) runs the rest in under a minute."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, LEAKED_ENV, home_of_this_process, started_local_cloud
from tether import Project
from tether.loading import load
from tether.localcloud import LocalCloud

# The local cloud with test hooks for the router and scheduler tests (started only when used).
pytest_plugins = ["tests.localcloud.router_fixtures"]

# Fixtures that start (or need) a local cloud, and folders whose every test does.
CLOUD_FIXTURES = frozenset({"local_cloud", "cloud", "aws", "hooked_cloud", "cloud_ide", "page"})
CLOUD_FOLDERS = frozenset({"functional", "browser", "runtime"})
TESTS = os.path.dirname(os.path.abspath(__file__))


# Calls that start a local cloud process (or run a command that does) from a test module; a
# test that runs the local cloud's services another way says so with `@pytest.mark.cloud`.
CLOUD_CALLS = ("started_local_cloud(", "running_local_cloud(", "process.start(", "ensure_running(")


def _starts_a_cloud(path: str, known: dict[str, bool]) -> bool:
    if path not in known:
        with open(path, encoding="utf-8") as source:
            text = source.read()
        known[path] = any(call in text for call in CLOUD_CALLS)
    return known[path]


# The test modules this session collected, before any deselection (`-m`, `-k`): the whole
# suite's when pytest was given no paths (tests/unit/test_collection.py reads it).
COLLECTED = pytest.StashKey[frozenset[str]]()


def collects_whole_suite(config: pytest.Config) -> bool:
    given = {os.path.abspath(str(arg).split("::")[0]) for arg in config.args}
    return given <= {TESTS, os.path.dirname(TESTS)}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tether.synth.lint import lint

    root = os.path.dirname(TESTS)
    config.stash[COLLECTED] = frozenset(
        os.path.relpath(str(item.path), root).replace(os.sep, "/") for item in items
    )

    known: dict[str, bool] = {}
    for item in items:
        folder = os.path.relpath(str(item.path), TESTS).split(os.sep)[0]
        fixtures = set(getattr(item, "fixturenames", ()))
        if (
            fixtures & CLOUD_FIXTURES
            or folder in CLOUD_FOLDERS
            or _starts_a_cloud(str(item.path), known)
        ):
            item.add_marker(pytest.mark.cloud)
        module = getattr(item, "module", None)
        if module is not None and any(v is lint for v in vars(module).values()):
            item.add_marker(pytest.mark.lint)


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


@pytest.fixture(scope="session")
def cloud_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The TETHER_HOME of `cloud`: its credentials, state and SDK live there."""
    return tmp_path_factory.mktemp("tether-home")


@pytest.fixture(scope="session")
def cloud(cloud_home: Path) -> Iterator[LocalCloud]:
    """The local cloud of this test session (one per xdist worker): a real server process on a
    free port, shared by every test that needs one, so each test deploys under names of its own
    (`tests.localcloud.helpers.unique`, a stage per test). Fake "real" AWS credentials sit in its
    environment (`LEAKED_ENV`), which no function may ever see. When this machine has python3.12
    (the default runtime), the SDK directory is made first, as a user's home has it after the
    first deploy, so what a test times is a cold start, not that one-time setup."""
    from tether.runtime import interpreters, sdk

    found = interpreters.find("python3.12")
    if found is not None and not found.own:
        sdk.warm(sdk.directory(cloud_home), found.path, found.version_info)
    with started_local_cloud(cloud_home, dict(LEAKED_ENV)) as started:
        yield started


@pytest.fixture(scope="session")
def local_cloud(cloud: LocalCloud, cloud_home: Path) -> Iterator[str]:
    """`cloud`, with its home as this process's TETHER_HOME from now on (so Tether's own
    clients, the CLI and the IDE find it); yields its endpoint."""
    with home_of_this_process(cloud_home):
        yield str(cloud.endpoint)
