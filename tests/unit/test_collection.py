"""The default test run collects every test module under tests/.

pytest skips some folder names by default (`build` among them), which once left the build
stage's tests silently out of `make test`; this test names any module the default run misses.
"""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO

# Folders that hold input data for tests (projects, templates), not test modules.
DATA_FOLDERS = ("corpus", "golden")


def test_every_test_module_is_collected() -> None:
    tests = REPO / "tests"
    expected = {
        path.relative_to(REPO).as_posix()
        for path in tests.rglob("test_*.py")
        if not set(path.relative_to(tests).parts[:-1]) & set(DATA_FOLDERS)
    }
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    found = {line.split("::")[0] for line in collected.stdout.splitlines() if "::" in line}
    assert "tests/build/test_code.py" in expected
    assert expected - found == set(), collected.stdout[-2000:] + collected.stderr[-2000:]
