"""Old code zips under .tether/build go once no stage needs them; what a stage's state or an
interrupted quick deploy names, and anything recent, stays."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tether.deploy.cleanup import GRACE, prune_builds


def zip_file(build: Path, name: str, age: float) -> Path:
    path = build / name
    path.write_bytes(b"PK")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def stage(root: Path, name: str, code_path: str) -> None:
    folder = root / ".tether" / name
    folder.mkdir(parents=True)
    state = {"stage": name, "target": "local", "region": "us-east-1", "stack": f"p-{name}"}
    (folder / "state.json").write_text(json.dumps({**state, "code_path": code_path}))


def test_old_zips_no_stage_needs_are_removed(tmp_path: Path) -> None:
    build = tmp_path / ".tether" / "build"
    build.mkdir(parents=True)
    old = GRACE + 60
    live_dev = zip_file(build, "code-aaaaaaaaaaaa.zip", old)
    live_prod = zip_file(build, "code-bbbbbbbbbbbb.zip", old)
    journaled = zip_file(build, "code-cccccccccccc.zip", old)
    stale = zip_file(build, "code-dddddddddddd.zip", old)
    scratch = zip_file(build, ".patching-x1.zip", old)
    recent = zip_file(build, "code-eeeeeeeeeeee.zip", 5)
    built = zip_file(build, "code-ffffffffffff.zip", old)
    other = zip_file(build, "notes.txt", old)
    stage(tmp_path, "dev", ".tether/build/code-aaaaaaaaaaaa.zip")
    stage(tmp_path, "prod", ".tether/build/code-bbbbbbbbbbbb.zip")
    (tmp_path / ".tether" / "dev" / "journal.json").write_text(
        json.dumps({"code_key": "k", "code_sha256": "c" * 64, "functions": {}, "started_at": 0.0})
    )

    assert prune_builds(tmp_path, keep=(built,)) == 2

    assert not stale.exists() and not scratch.exists()
    for kept in (live_dev, live_prod, journaled, recent, built, other):
        assert kept.exists(), kept.name


def test_an_unreadable_record_keeps_everything(tmp_path: Path) -> None:
    build = tmp_path / ".tether" / "build"
    build.mkdir(parents=True)
    old = zip_file(build, "code-dddddddddddd.zip", GRACE + 60)
    (tmp_path / ".tether" / "dev").mkdir()
    (tmp_path / ".tether" / "dev" / "state.json").write_text("{damaged")
    assert prune_builds(tmp_path) == 0 and old.exists()
    assert prune_builds(tmp_path / "nowhere") == 0
