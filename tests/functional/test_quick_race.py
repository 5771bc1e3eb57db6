"""Concurrent quick deploys share nothing they could corrupt: several stages of one project
deployed at the same moment while the files change under them, round after round, through the
real command, patched locally and remotely. Every deploy succeeds, every artifact holds the
bytes its content-addressed name promises, and every stage ends up serving the files' code."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.functional.tiny import answer, cloud, project, say, write_tiny
from tether.deploy import quick
from tether.deploy.pipeline import deploy
from tether.deploy.state import load_state

ROUNDS = 4
STAGES = ("one", "two", "three")


def tether(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tether.cli.main", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("patch", ["local", "remote"])
def test_stages_quick_deployed_at_once_never_corrupt_an_artifact(
    tmp_path: Path, local_cloud: str, patch: str
) -> None:
    root = write_tiny(tmp_path / "race", name=f"race{patch}")
    for stage in STAGES:
        deploy(project(root), stage=stage, target="local")
    for round_ in range(ROUNDS):
        # Each deploy starts right after its own edit: they read different code, and patch
        # different zips at the same moment in the same build folder.
        runs = []
        for stage in STAGES:
            say(root, "alpha", f"{round_}-{stage}")
            runs.append(tether("deploy", "-s", stage, "--quick", "--patch", patch, cwd=root))
        for run in runs:
            output = run.communicate(timeout=120)[0]
            assert run.returncode == 0, output
            assert "quick deploy of" in output, output
        words = {f"{round_}-{stage}" for stage in STAGES}
        assert {answer(root, stage, "alpha") for stage in STAGES} <= words
    for stage in STAGES:  # whatever each read, one more deploy brings it to the files
        deploy(project(root), stage=stage, target="local")
        assert answer(root, stage, "alpha") == f"{ROUNDS - 1}-{STAGES[-1]}"
    zips = list((root / ".tether" / "build").glob("code-*.zip"))
    assert len(zips) >= ROUNDS
    for path in zips:
        assert path.name == f"code-{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}.zip"
    state = load_state(root, "one")
    assert state is not None
    s3 = cloud(root).client("s3")
    listed = s3.list_objects_v2(Bucket=state.artifact_bucket, Prefix="code/")["Contents"]
    for item in listed:
        body = s3.get_object(Bucket=state.artifact_bucket, Key=item["Key"])["Body"].read()
        assert item["Key"] == f"code/{hashlib.sha256(body).hexdigest()}.zip"


def test_two_quick_deploys_patching_at_the_same_instant_keep_their_own_zips(
    tmp_path: Path, local_cloud: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst interleaving, forced: stage one writes its patched zip, stage two (which read
    newer code) writes its own, and only then does each move its zip to its final name."""
    root = write_tiny(tmp_path / "interleave", name="interleave")
    for stage in ("one", "two"):
        deploy(project(root), stage=stage, target="local")
    real = quick.apply_delta
    first_written, second_written = threading.Event(), threading.Event()
    started = threading.Event()
    errors: list[BaseException] = []

    def interleaved(source: Path, target: Path, delta: Any) -> Any:
        if not started.is_set():  # stage one: its code is read; let stage two read newer code
            started.set()
            say(root, "alpha", "newer")
            second.start()
            result = real(source, target, delta)
            first_written.set()
            assert second_written.wait(30)
            return result
        assert first_written.wait(30)
        result = real(source, target, delta)
        second_written.set()
        time.sleep(0.2)  # stage one moves its zip into place first
        return result

    def deploy_two() -> None:
        try:
            deploy(project(root), stage="two", target="local", mode="quick", patch="local")
        except BaseException as exc:
            errors.append(exc)

    second = threading.Thread(target=deploy_two)
    monkeypatch.setattr(quick, "apply_delta", interleaved)
    say(root, "alpha", "older")
    deploy(project(root), stage="one", target="local", mode="quick", patch="local")
    second.join(60)
    assert errors == []
    assert (answer(root, "one", "alpha"), answer(root, "two", "alpha")) == ("older", "newer")
    for path in (root / ".tether" / "build").glob("code-*.zip"):
        assert path.name == f"code-{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}.zip"
