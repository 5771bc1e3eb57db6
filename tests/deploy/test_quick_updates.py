"""Quick deploys update functions in parallel: one failure is reported for that function,
and every other function still goes live (logic only, with an in-memory stand-in for Lambda)."""

from __future__ import annotations

import threading
from typing import Any

from tests.deploy.fake_cloud import FakeCloud
from tether.deploy.code_updates import update_all


class FakeLambda:
    def __init__(self, failing: str) -> None:
        self.failing = failing
        self.updated: list[str] = []
        self.lock = threading.Lock()

    def update_function_code(self, *, FunctionName: str, S3Bucket: str, S3Key: str) -> None:
        with self.lock:
            self.updated.append(FunctionName)

    def get_function_configuration(self, *, FunctionName: str) -> dict[str, Any]:
        if FunctionName == self.failing:
            return {"LastUpdateStatus": "Failed", "LastUpdateStatusReason": "code too large"}
        return {"LastUpdateStatus": "Successful"}


def test_one_failing_function_is_reported_and_the_others_go_live() -> None:
    lam = FakeLambda(failing="app-dev-b")
    names = {f: f"app-dev-{f}" for f in ("a", "b", "c", "d")}
    failures = update_all(FakeCloud(lam), names, "bucket", "code/x.zip")  # type: ignore[arg-type]
    assert failures == {"b": "code too large"}
    assert sorted(lam.updated) == sorted(names.values())


def test_nothing_to_update_is_fine() -> None:
    assert update_all(FakeCloud(FakeLambda("")), {}, "bucket", "key") == {}  # type: ignore[arg-type]


def test_the_loaded_project_knows_which_functions_a_file_change_affects() -> None:
    """A deploy needs nothing but the loaded project to pick the functions a change affects:
    each function carries the files its code is made of (every function, before analysis)."""
    from tests.helpers import EXAMPLE
    from tether import load_project
    from tether.model import read_project_file

    project = load_project(EXAMPLE)
    assert project.affected(["app/api.py"]) == ["api"]
    assert project.affected(["app/notify.py", "app/worker.py"]) == ["notify", "worker"]
    assert project.affected(["README.md"]) == []
    declared_only = read_project_file(EXAMPLE)
    assert declared_only.affected(["app/api.py"]) == sorted(declared_only.functions)
