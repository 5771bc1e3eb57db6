"""QuickDeploy: the short path for code-only edits.

    compare files (stat, then hash) -> refuse unless only code changed -> affected functions
    (import closures) -> check the live code is what we deployed -> patch the code zip (no
    unchanged entry recompressed) -> upload -> UpdateFunctionCode in parallel -> poll until live

The code zip is patched locally and uploaded whole, or, for artifacts over 5 MB (or with
`--patch remote`), patched in the bucket by the bootstrap stack's patcher function
(`remote_patch`): then only the delta (the changed files, compressed) leaves the machine. Either
way the local copy of the live zip is patched too, from the same delta, so the next quick deploy
patches from the right base.

It refuses, with the reason, whenever the edit changed anything but code: the project file,
requirements.txt, or the template (the operations that analysis finds, and so the permissions
and environment variables, are part of it). A refusal is not an error: `deploy` then takes the
full path. A quick deploy never leaves a function without a permission its new code needs,
because any change of permissions changes the template.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tether.build.code import BUILD_DIR
from tether.build.patch import Delta, PatchResult, apply_delta, make_delta
from tether.cloud import Cloud
from tether.deploy.artifacts import upload
from tether.deploy.changes import CodeChanges, FileRecord, Snapshot, compare
from tether.deploy.plan import template_hash
from tether.deploy.remote_patch import (
    PATCH_MODES,
    REMOTE_PATCH_THRESHOLD,
    RemotePatch,
    RemotePatchError,
    remote_patch,
)
from tether.deploy.state import StageState
from tether.errors import TetherError
from tether.model import Project
from tether.synth.template import Context

MAX_PARALLEL_UPDATES = 8
POLL_SECONDS = 0.1
UPDATE_TIMEOUT = 120.0


class QuickRefused(Exception):
    """The quick path cannot take this change; `reason` says why (shown to the user)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class QuickDeployError(TetherError):
    """Some functions could not be updated; the others are live."""


@dataclass(frozen=True)
class QuickPlan:
    changes: CodeChanges
    functions: tuple[str, ...]  # affected functions, by name


@dataclass(frozen=True)
class QuickResult:
    plan: QuickPlan
    code_key: str
    uploaded_bytes: int
    seconds: float
    patched: str = "local"  # local | remote: where the code zip was patched
    sent_bytes: int = 0  # bytes sent for the code: the zip, or the delta and the invoke payload


def quick_plan(
    project: Project,
    state: StageState | None,
    snapshot: Snapshot,
    template: dict[str, Any],
    affected: Callable[[tuple[str, ...]], list[str]],
) -> QuickPlan:
    """What a quick deploy would update, or QuickRefused with the reason it cannot."""
    if state is None or not state.files or not state.code_path:
        raise QuickRefused("the stage has no quick-deploy record yet")
    if state.project_file_sha256 != snapshot.project_file:
        raise QuickRefused(f"{project.file} changed")
    if state.requirements_sha256 != snapshot.requirements:
        raise QuickRefused("requirements.txt changed")
    if state.template_sha256 != template_hash(template):
        raise QuickRefused("the template changed (resources, permissions or environment)")
    changes = compare({p: FileRecord.from_json(r) for p, r in state.files.items()}, snapshot.code)
    if not changes:
        return QuickPlan(changes, ())
    python = tuple(p for p in changes.paths if p.endswith(".py"))
    data_files = [p for p in changes.paths if not p.endswith(".py")]
    # A data file may be read by any function at run time; imports cannot tell which.
    functions = sorted(project.functions) if data_files else affected(python)
    return QuickPlan(changes, tuple(functions))


def quick_deploy(
    cloud: Cloud,
    project: Project,
    state: StageState,
    snapshot: Snapshot,
    plan: QuickPlan,
    *,
    bucket: str,
    patch: str = "auto",
    patcher: Callable[[], str] | None = None,
    say: Callable[[str], None] | None = None,
) -> tuple[QuickResult, StageState]:
    """Patch, upload and update the plan's functions; return the result and the new state.

    `patch` is "local", "remote" or "auto" (remote when the live zip is over
    REMOTE_PATCH_THRESHOLD); `patcher` gives the patcher function's name ("" when there is none),
    looked up only when patching remotely."""
    if patch not in PATCH_MODES:
        raise TetherError(
            f"unknown patch mode {patch!r}", hint=f"use one of {', '.join(PATCH_MODES)}"
        )
    started = time.monotonic()
    ctx = Context(project=project, stage=state.stage, target=state.target)
    names = {f: ctx.function_name(project.functions[f]) for f in plan.functions}
    lam = cloud.client("lambda")
    expected = base64.b64encode(bytes.fromhex(state.code_sha256)).decode()
    with cloud.guard():
        for function, name in names.items():
            try:
                live = lam.get_function_configuration(FunctionName=name)["CodeSha256"]
            except lam.exceptions.ResourceNotFoundException:
                raise QuickRefused(f"function {function} is not deployed there any more") from None
            if live != expected:
                raise QuickRefused(f"function {function} runs code deployed from elsewhere (drift)")
    root = Path(project.root)
    source = root / state.code_path
    if not source.is_file():
        raise QuickRefused("the local copy of the live code zip is gone")
    contents = {
        path: (None if path in plan.changes.removed else snapshot.sources[path].read_bytes())
        for path in plan.changes.paths
    }
    executable = [
        p for p in plan.changes.paths if p in snapshot.executable and contents[p] is not None
    ]
    build_dir = root.joinpath(*BUILD_DIR)
    staging = build_dir / "code-patching.zip"
    delta = make_delta(contents, executable=executable)
    # The local copy of the live zip is patched either way: it is the next quick deploy's base.
    result = apply_delta(source, staging, delta)
    artifact = build_dir / f"code-{result.sha256[:12]}.zip"
    staging.replace(artifact)
    key = f"code/{result.sha256}.zip"
    remote = None
    if patch == "remote" or (patch == "auto" and source.stat().st_size > REMOTE_PATCH_THRESHOLD):
        remote = _patch_remotely(cloud, patcher, bucket, state.code_key, delta, result, patch, say)
    if remote is not None:
        uploaded = sent = remote.sent_bytes
    else:
        uploaded = upload(cloud, bucket, key, artifact)
        sent = uploaded
    failures = _update_all(cloud, names, bucket, key)
    new_state = replace(
        state,
        code_key=key,
        code_sha256=result.sha256,
        code_path=artifact.relative_to(root).as_posix(),
        files={p: r.as_json() for p, r in snapshot.code.items()},
        deployed_at=time.time(),
    )
    if failures:
        lines = "\n".join(
            f"  - {function}: {reason}" for function, reason in sorted(failures.items())
        )
        raise QuickDeployError(
            f"{len(failures)} of {len(names)} functions could not be updated\n{lines}",
            hint="the others are live; run the deploy again (it is safe to repeat), or use --full",
        )
    seconds = time.monotonic() - started
    where = "local" if remote is None else "remote"
    return QuickResult(plan, key, uploaded, seconds, where, sent), new_state


def _patch_remotely(
    cloud: Cloud,
    patcher: Callable[[], str] | None,
    bucket: str,
    source_key: str,
    delta: Delta,
    local: PatchResult,
    patch: str,
    say: Callable[[str], None] | None,
) -> RemotePatch | None:
    """Patch the live zip in the bucket; None to upload the local result instead ("auto" only,
    when there is no patcher or it failed)."""
    try:
        function = patcher() if patcher is not None else ""
        if not function:
            raise RemotePatchError(
                "the bootstrap stack has no remote patcher",
                hint="run a full deploy to update the bootstrap stack, or use --patch local",
            )
        remote = remote_patch(cloud, function, bucket, source_key, delta)
    except TetherError as exc:
        if patch == "remote":
            raise
        if say is not None:
            say(f"remote patching failed ({exc.message}); uploading the patched zip instead")
        return None
    if remote.sha256 != local.sha256:
        # Never make live a zip that differs from what a rebuild (and the local copy) gives.
        raise RemotePatchError(
            f"the remote patcher made {remote.key}, but the local patch gives "
            f"code/{local.sha256}.zip",
            hint="deploy with --patch local, or --full",
        )
    return remote


def _update_all(cloud: Cloud, names: dict[str, str], bucket: str, key: str) -> dict[str, str]:
    """UpdateFunctionCode for every function at once (bounded), each polled until live."""

    def update(function: str) -> tuple[str, str | None]:
        lam = cloud.client("lambda")
        try:
            with cloud.guard():
                lam.update_function_code(FunctionName=names[function], S3Bucket=bucket, S3Key=key)
                deadline = time.monotonic() + UPDATE_TIMEOUT
                while time.monotonic() < deadline:
                    config = lam.get_function_configuration(FunctionName=names[function])
                    status = config.get("LastUpdateStatus", "Successful")
                    if status == "Successful":
                        return function, None
                    if status == "Failed":
                        return function, config.get("LastUpdateStatusReason", "update failed")
                    time.sleep(POLL_SECONDS)
            return function, f"not live after {UPDATE_TIMEOUT:.0f} s"
        except TetherError as exc:
            return function, exc.message
        except Exception as exc:
            return function, str(exc)

    if not names:
        return {}
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_UPDATES, len(names))) as pool:
        results = list(pool.map(update, sorted(names)))
    return {function: reason for function, reason in results if reason is not None}
