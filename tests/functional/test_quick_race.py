"""Concurrent quick deploys share nothing they could corrupt: two stages of one project deployed
at the same moment, round after round, through the real command, locally and remotely patched.
Every artifact holds the bytes its content-addressed name promises, and every stage serves the
code of the files."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.functional.tiny import answer, cloud, project, say, write_tiny
from tether.deploy.pipeline import deploy
from tether.deploy.state import load_state

ROUNDS = 4


def tether(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tether.cli.main", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("patch", ["local", "remote"])
def test_two_stages_quick_deployed_at_once_never_corrupt_an_artifact(
    tmp_path: Path, local_cloud: str, patch: str
) -> None:
    root = write_tiny(tmp_path / "race", name=f"race{patch}")
    stages = ("one", "two")
    for stage in stages:
        deploy(project(root), stage=stage, target="local")
    for round_ in range(ROUNDS):
        word = f"round-{round_}"
        say(root, "alpha", word)
        runs = [
            tether("deploy", "-s", stage, "--quick", "--patch", patch, cwd=root) for stage in stages
        ]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
        for run, output in zip(runs, outputs, strict=True):
            assert run.returncode == 0, output
            assert "quick deploy of" in output, output
        for stage in stages:
            assert answer(root, stage, "alpha") == word
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
