"""The local cloud gives back what a day of edits would pile up, on a cloud of its own started
with a short idle timeout and a cap of two workers (as `TETHER_LOCAL_IDLE_SECONDS` and
`TETHER_LOCAL_MAX_WORKERS` in its environment), and frequent snapshots:

- idle workers go after the timeout, the least recently used one first beyond the cap, and
  their functions answer again;
- quick deploys leave no old code behind: the server's saved state (a pickle of what it holds
  in memory) carries the live code zip once, as its S3 object, not once more per function; the
  local cloud's store of zips and its unpacked code hold only what the functions run; the build
  folder stays bounded and keeps the live zip;
- pruning the artifact bucket keeps the code that runs and the code the stack names, and the
  next quick deploy still works;
- a zip sent whole in the request is kept once, on disk, not in the saved state; a stored zip
  that was lost comes back from the S3 object the function's code came from."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import alive, local_session, running_local_cloud, write_project
from tests.runtime.helpers import invoke, wait_for
from tether import load_project
from tether.cloud import connect
from tether.deploy.cleanup import (
    ARTIFACT_GRACE,
    KEEP_RECENT,
    prune_artifacts,
    prune_artifacts_in_passing,
)
from tether.deploy.pipeline import deploy
from tether.deploy.state import StageState, load_state
from tether.localcloud import persistence, process
from tether.localcloud.home import state_dir

ENV = {
    "TETHER_LOCAL_IDLE_SECONDS": "1",
    "TETHER_LOCAL_MAX_WORKERS": "2",
    "TETHER_LOCAL_SNAPSHOT_EVERY": "0.2",
}
FUNCTIONS = ("one", "two", "three")
PROJECT = "functions:\n" + "".join(f"  {f}: {{handler: app/{f}.handler}}\n" for f in FUNCTIONS)
HANDLER = """
import os

from app import common


def handler(event, context):
    return {"version": common.VERSION, "pid": os.getpid()}
"""


@pytest.fixture(scope="module")
def lean_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The TETHER_HOME of a local cloud started with `ENV` (this process's, while it runs)."""
    home = tmp_path_factory.mktemp("lean-home")
    with running_local_cloud(home, ENV):
        yield home


@pytest.fixture
def lam(lean_home: Path) -> Any:
    running = process.status()
    assert running is not None
    return local_session(lean_home).client("lambda", endpoint_url=running.endpoint)


def make(root: Path, name: str) -> Path:
    handlers = {f"app/{f}.py": HANDLER for f in FUNCTIONS}
    handlers["app/__init__.py"] = ""
    write_project(root, f"name: {name}\n{PROJECT}", handlers)
    edit(root, 0)
    (root / "app" / "blob.bin").write_bytes(os.urandom(2_000_000))  # a 2 MB zip
    return root


def edit(root: Path, version: int) -> None:
    """A new version of the module every handler imports (a token makes its bytes unique)."""
    text = f"TOKEN = {secrets.token_hex(16)!r}\nVERSION = {version}\n"
    (root / "app" / "common.py").write_text(text)


def name_of(project: str, stage: str, function: str) -> str:
    return f"{project}-{stage}-{function}"


def state_of(root: Path, stage: str) -> StageState:
    state = load_state(root, stage)
    assert state is not None
    return state


def running_code(lam: Any, names: list[str]) -> set[str]:
    """The sha256 (hex) of the code the functions run."""
    digests = set()
    for name in names:
        config = lam.get_function_configuration(FunctionName=name)
        digests.add(base64.b64decode(config["CodeSha256"]).hex())
    return digests


def compressed(zip_path: Path, member: str) -> bytes:
    """The bytes of `member` as stored in the zip (unique to this version of it)."""
    with zipfile.ZipFile(zip_path) as archive:
        info = archive.getinfo(member)
    with zip_path.open("rb") as raw:
        raw.seek(info.header_offset + 26)
        name_length, extra_length = (int.from_bytes(raw.read(2), "little") for _ in range(2))
        raw.seek(info.header_offset + 30 + name_length + extra_length)
        return raw.read(info.compress_size)


def test_idle_workers_go_after_the_timeout_and_beyond_the_cap_and_answer_after(
    tmp_path: Path, lean_home: Path, lam: Any
) -> None:
    root = make(tmp_path / "idle", "leanidle")
    deploy(load_project(root), stage="t", target="local")
    names = [name_of("leanidle", "t", f) for f in FUNCTIONS]

    pids = [invoke(lam, name)[0]["pid"] for name in names]

    assert alive(pids[-1])
    assert not alive(pids[0])  # a third worker made the least recently used one go
    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=15)  # then idle ones go
    answer = invoke(lam, names[0])[0]
    assert answer["version"] == 0 and answer["pid"] not in pids


def test_quick_deploys_leave_no_old_code_behind(tmp_path: Path, lean_home: Path, lam: Any) -> None:
    root = make(tmp_path / "quick", "leanquick")
    deploy(load_project(root), stage="t", target="local")
    names = [name_of("leanquick", "t", f) for f in FUNCTIONS]
    for name in names:
        invoke(lam, name)
    for version in range(1, 6):
        edit(root, version)
        assert deploy(load_project(root), stage="t", target="local").path == "quick"
        assert invoke(lam, names[version % 3])[0]["version"] == version
    deployed = time.time()
    state = state_of(root, "t")
    live = root / state.code_path

    # the build folder: the live zip, and a few of the newest others
    assert live.is_file()
    assert len(list(live.parent.glob("code-*.zip"))) <= 1 + KEEP_RECENT

    # the local cloud's home: only the code the functions of the cloud run
    assert running_code(lam, names) == {state.code_sha256}
    code = lean_home / "local" / "code"
    wait_for(lambda: {p.name for p in code.iterdir()} <= everything_running(lam), timeout=30)
    store = state_dir(lean_home) / "code"
    wait_for(lambda: {p.stem for p in store.glob("*.zip")} == everything_running(lam), timeout=30)

    # the saved state holds the live zip once (its S3 object's body, beside the snapshot), not
    # also once per function, nor in the snapshot itself
    def saved() -> bool:
        header = persistence.read_header(lean_home)
        return header is not None and header.saved_at > deployed

    wait_for(saved, timeout=30)
    marker = compressed(live, "app/common.py")
    snapshot = persistence.snapshot_path(lean_home).read_bytes()
    assert marker not in snapshot
    bodies = [p.read_bytes() for p in (state_dir(lean_home) / "objects").iterdir()]
    assert sum(body.count(marker) for body in bodies) == 1


def everything_running(lam: Any) -> set[str]:
    """The sha256 of the code every function of the local cloud runs."""
    digests = set()
    for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL"):
        for function in page["Functions"]:
            digests.add(base64.b64decode(function["CodeSha256"]).hex())
    return digests


def test_pruning_the_bucket_keeps_the_code_that_runs_and_the_code_the_stack_names(
    tmp_path: Path, lean_home: Path, lam: Any
) -> None:
    root = make(tmp_path / "prune", "leanprune")
    deploy(load_project(root), stage="t", target="local")
    first = state_of(root, "t").code_key  # the stack's CodeKey parameter
    keys = []
    for version in range(1, 4):
        edit(root, version)
        deploy(load_project(root), stage="t", target="local")
        keys.append(state_of(root, "t").code_key)
    state = state_of(root, "t")
    cloud = connect("local", state.region, endpoint=state.endpoint)
    s3 = cloud.client("s3")

    def listed() -> set[str]:
        found = s3.list_objects_v2(Bucket=state.artifact_bucket, Prefix="code/")
        return {str(item["Key"]) for item in found.get("Contents") or ()}

    assert set(keys) | {first} <= listed()

    assert prune_artifacts(cloud, state.artifact_bucket, root=root) == 0  # all too young
    later = time.time() + ARTIFACT_GRACE + 1
    # The quick path prunes in passing: not again within ARTIFACT_GRACE of its last time.
    (root / ".tether" / "artifacts-pruned").write_text(repr(later - 1))
    assert prune_artifacts_in_passing(cloud, state.artifact_bucket, root=root, now=later) == 0
    assert set(keys) | {first} <= listed()
    assert prune_artifacts_in_passing(cloud, state.artifact_bucket, root=root, now=later + 30) >= 2

    left = listed()
    assert first in left and keys[-1] in left  # the stack's key, the live one
    assert not {keys[0], keys[1]} & left
    edit(root, 4)
    assert deploy(load_project(root), stage="t", target="local").path == "quick"
    names = [name_of("leanprune", "t", f) for f in FUNCTIONS]
    assert {invoke(lam, name)[0]["version"] for name in names} == {4}


TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_sent_whole_is_kept_once_on_disk_and_a_lost_one_comes_back_from_s3(
    lean_home: Path, lam: Any
) -> None:
    session = local_session(lean_home)
    endpoint = lam.meta.endpoint_url
    iam = session.client("iam", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    role = iam.create_role(RoleName="lean-sent", AssumeRolePolicyDocument=json.dumps(TRUST))
    marker = secrets.token_bytes(64)  # stored, not compressed: the zip holds it as it is
    handler = b"def handler(event, context):\n    return 'sent'\n"
    sent = zipped({"main.py": handler, "blob.bin": marker * 100})
    lam.create_function(
        FunctionName="lean-sent",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="main.handler",
        Code={"ZipFile": sent},
    )
    created = time.time()
    assert invoke(lam, "lean-sent")[0] == "sent"

    def saved() -> bool:
        header = persistence.read_header(lean_home)
        return header is not None and header.saved_at > created

    wait_for(saved, timeout=30)
    snapshot = persistence.snapshot_path(lean_home).read_bytes()
    assert marker not in snapshot and base64.b64encode(marker) not in snapshot
    stored = state_dir(lean_home) / "code" / f"{hashlib.sha256(sent).hexdigest()}.zip"
    assert stored.read_bytes() == sent

    # a function whose code came from S3 finds it there again if the stored zip is lost
    s3.create_bucket(Bucket="lean-code")
    from_s3 = zipped({"main.py": b"def handler(event, context):\n    return 's3'\n"})
    s3.put_object(Bucket="lean-code", Key="code.zip", Body=from_s3)
    lam.create_function(
        FunctionName="lean-from-s3",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="main.handler",
        Code={"S3Bucket": "lean-code", "S3Key": "code.zip"},
    )
    lost = state_dir(lean_home) / "code" / f"{hashlib.sha256(from_s3).hexdigest()}.zip"
    lost.unlink()
    assert invoke(lam, "lean-from-s3")[0] == "s3"
    assert lost.read_bytes() == from_s3
