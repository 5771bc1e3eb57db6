"""The default test run collects every test module under tests/.

pytest skips some folder names by default (`build` among them), which once left the build
stage's tests silently out of `make test`; this test names any module the default run misses.
In a whole-suite run it reads what this very session collected (tests/conftest.py keeps it,
before `-m` deselects anything); run on its own, it asks a `pytest --collect-only`.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import COLLECTED, collects_whole_suite
from tests.helpers import REPO

# Folders that hold input data for tests (projects, templates), not test modules.
DATA_FOLDERS = ("corpus", "golden")


def _collected_by_default(config: pytest.Config) -> tuple[set[str], str]:
    if collects_whole_suite(config) and COLLECTED in config.stash:
        return set(config.stash[COLLECTED]), "this session"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    found = {line.split("::")[0] for line in run.stdout.splitlines() if "::" in line}
    return found, run.stdout[-2000:] + run.stderr[-2000:]


def test_every_test_module_is_collected(request: pytest.FixtureRequest) -> None:
    tests = REPO / "tests"
    expected = {
        path.relative_to(REPO).as_posix()
        for path in tests.rglob("test_*.py")
        if not set(path.relative_to(tests).parts[:-1]) & set(DATA_FOLDERS)
    }
    found, how = _collected_by_default(request.config)
    assert "tests/build/test_code.py" in expected
    assert "tests/build/test_code.py" in found, how
    assert expected - found == set(), how
