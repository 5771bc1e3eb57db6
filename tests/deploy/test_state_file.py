"""A damaged or hand-edited deploy state file is a clear error naming the file, never a
traceback half-way through a deploy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import tether, write_project
from tether.deploy.state import StageState, load_state, save_state
from tether.errors import TetherError

GOOD = StageState(stage="dev", target="local", region="us-east-1", stack="app-dev")

BROKEN = {
    "not json": "{oops",
    "a list": "[]",
    "binary": "\udcff\udcfe",
    "deep": "[" * 100_000 + "]" * 100_000,
    "unknown key": json.dumps({**GOOD.as_json(), "surprise": 1}),
    "wrong type": json.dumps({**GOOD.as_json(), "outputs": ["x"]}),
    "bad file record": json.dumps({**GOOD.as_json(), "files": {"app/a.py": ["big", 1, "x"]}}),
    "number as stack": json.dumps({**GOOD.as_json(), "stack": 7}),
}


def state_path(root: Path) -> Path:
    return root / ".tether" / "dev" / "state.json"


def test_a_state_file_round_trips(tmp_path: Path) -> None:
    save_state(tmp_path, GOOD)
    assert load_state(tmp_path, "dev") == GOOD


@pytest.mark.parametrize("content", BROKEN.values(), ids=BROKEN.keys())
def test_a_damaged_state_file_is_named_with_the_fix(tmp_path: Path, content: str) -> None:
    path = state_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(TetherError) as unreadable:
        load_state(tmp_path, "dev")
    assert unreadable.value.message.startswith(f"the deploy state {path} is unreadable: ")
    assert unreadable.value.hint.startswith("delete it")


def test_deploy_with_a_damaged_state_file_exits_1_without_a_traceback(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "app",
        """
        name: app
        region: us-east-1
        functions:
          hello: {handler: app/hello.handler}
        """,
    )
    path = state_path(root)
    path.parent.mkdir(parents=True)
    path.write_text(BROKEN["bad file record"])
    result = tether("deploy", "--yes", cwd=root)
    assert result.returncode == 1, result.stderr
    assert "error: the deploy state" in result.stderr and "unreadable" in result.stderr
    assert "Traceback" not in result.stderr
