"""A quick deploy refuses what Lambda would refuse, as the full path's build does: code that
grows past the unzipped size limit is stopped before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.functional.tiny import answer, project, say, write_tiny
from tether.build import limits
from tether.deploy.pipeline import deploy
from tether.deploy.state import load_state
from tether.errors import TetherError


def test_a_quick_deploy_over_lambdas_size_limit_is_refused_before_sending(
    tmp_path: Path, local_cloud: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tiny(tmp_path / "big")
    deploy(project(root), stage="size", target="local")
    before = load_state(root, "size")
    # A limit just above today's code, so that the next edit crosses it.
    monkeypatch.setattr(limits, "UNZIPPED_LIMIT", 200_000)
    (root / "app" / "table.csv").write_text("x," * 100_000)
    say(root, "alpha", "two")
    with pytest.raises(TetherError) as refused:
        deploy(project(root), stage="size", target="local", mode="quick")
    assert "over AWS Lambda's limit of" in refused.value.message
    assert "app/table.csv" in refused.value.message
    assert answer(root, "size", "alpha") == "one"
    assert load_state(root, "size") == before
