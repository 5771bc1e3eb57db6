"""The build folder stays bounded however fast the saves come: after many, it holds the zip each
stage runs, the current build and a few of the newest others (a deploy of another stage may be
about to record one), never one a stage's state still names, however old."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tether.deploy.cleanup import GRACE, KEEP_RECENT, prune_builds

SAVES = 30


def written(build: Path, name: str, at: float) -> Path:
    path = build / name
    path.write_bytes(b"PK" + name.encode())
    os.utime(path, (at, at))
    return path


def test_many_saves_leave_a_bounded_folder_and_the_live_zip(tmp_path: Path) -> None:
    build = tmp_path / ".tether" / "build"
    build.mkdir(parents=True)
    now = time.time()
    saves = [written(build, f"code-{n:012x}.zip", now - SAVES + n) for n in range(SAVES)]
    live = saves[3]  # the stage still runs an early save: a later one failed to deploy
    folder = tmp_path / ".tether" / "dev"
    folder.mkdir()
    state = {"stage": "dev", "target": "local", "region": "us-east-1", "stack": "p-dev"}
    code_path = f".tether/build/{live.name}"
    (folder / "state.json").write_text(json.dumps({**state, "code_path": code_path}))
    current = saves[-1]  # the build the deploy under way made

    removed = prune_builds(tmp_path, keep=(current,), now=now)

    left = sorted(p.name for p in build.glob("code-*.zip"))
    newest_others = [p.name for p in saves[-1 - KEEP_RECENT : -1]]
    assert left == sorted([live.name, current.name, *newest_others])
    assert removed == SAVES - len(left)


def test_scratch_files_of_a_deploy_under_way_stay_and_dead_ones_go(tmp_path: Path) -> None:
    build = tmp_path / ".tether" / "build"
    build.mkdir(parents=True)
    now = time.time()
    writing = written(build, ".tmp-abc.zip", now - 1)
    patching = written(build, ".patching-abc.zip", now - 1)
    dead = [
        written(build, ".tmp-old.zip", now - GRACE - 60),
        written(build, ".patching-old.zip", now - GRACE - 60),
    ]

    prune_builds(tmp_path, now=now)

    assert writing.exists() and patching.exists()
    assert not any(path.exists() for path in dead)
