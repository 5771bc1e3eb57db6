"""QuickDeploy: the short path for code-only edits.

    compare files (stat, then hash) -> refuse unless only code changed -> affected functions
    (import closures, plus any a failed update left stale) -> check the live code is what we
    recorded -> patch the code zip (no unchanged entry recompressed, in a scratch file of its
    own) -> upload -> journal -> UpdateFunctionCode in parallel -> poll until live -> state

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

import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from tether.build.code import BUILD_DIR
from tether.build.limits import Part, check_unzipped, zip_sizes
from tether.build.patch import Delta, PatchResult, apply_delta, make_delta
from tether.cloud import Cloud
from tether.deploy.artifacts import upload
from tether.deploy.changes import CodeChanges, FileRecord, Snapshot, compare
from tether.deploy.code_updates import live_code, update_all
from tether.deploy.journal import Journal, write_journal
from tether.deploy.plan import template_hash
from tether.deploy.remote_patch import (
    PATCH_MODES,
    REMOTE_PATCH_THRESHOLD,
    RemotePatch,
    RemotePatchError,
    remote_patch,
)
from tether.deploy.state import StageState, function_code
from tether.errors import TetherError
from tether.model import Project

Patched = Literal["local", "remote"]


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
    patched: Patched = "local"  # where the code zip was patched
    sent_bytes: int = 0  # bytes sent for the code: the zip, or the delta and the invoke payload
    failures: dict[str, str] = field(default_factory=dict)  # function -> why its update failed

    def raise_failures(self) -> None:
        """QuickDeployError naming each function that could not be updated, if any."""
        if not self.failures:
            return
        lines = "\n".join(f"  - {f}: {reason}" for f, reason in sorted(self.failures.items()))
        total = len(self.plan.functions)
        raise QuickDeployError(
            f"{len(self.failures)} of {total} functions could not be updated\n{lines}",
            hint="the others are live; deploy again to retry these (it is safe to repeat), "
            "or use --full",
        )


def quick_plan(
    project: Project,
    state: StageState | None,
    snapshot: Snapshot,
    template: dict[str, Any],
    affected: Callable[[tuple[str, ...]], list[str]],
) -> QuickPlan:
    """What a quick deploy would update, or QuickRefused with the reason it cannot: the
    functions the changed files affect, and those a failed update left behind. `template` is
    the stage's templates as one (`Stacks.flat`), whose hash the state records."""
    if state is None or not state.files or not state.code_path:
        raise QuickRefused("the stage has no quick-deploy record yet")
    if state.project_file_sha256 != snapshot.project_file:
        raise QuickRefused(f"{project.file} changed")
    if state.requirements_sha256 != snapshot.requirements:
        raise QuickRefused("requirements.txt changed")
    if state.template_sha256 != template_hash(template):
        raise QuickRefused("the template changed (resources, permissions or environment)")
    changes = compare({p: FileRecord.from_json(r) for p, r in state.files.items()}, snapshot.code)
    stale = {f for f in state.stale if f in project.functions}
    if not changes:
        return QuickPlan(changes, tuple(sorted(stale)))
    python = tuple(p for p in changes.paths if p.endswith(".py"))
    data_files = [p for p in changes.paths if not p.endswith(".py")]
    # A data file may be read by any function at run time; imports cannot tell which.
    functions = set(project.functions) if data_files else set(affected(python))
    return QuickPlan(changes, tuple(sorted(functions | stale)))


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

    The new state is returned even when some updates failed (`QuickResult.failures`): it then
    records those functions as stale, so the next deploy updates them. A journal is written
    before the first update; the caller clears it once the new state is saved.

    `patch` is "local", "remote" or "auto" (remote when the zip being deployed is over
    REMOTE_PATCH_THRESHOLD); `patcher` gives the patcher function's name ("" when there is none),
    looked up only when patching remotely."""
    if patch not in PATCH_MODES:
        raise TetherError(
            f"unknown patch mode {patch!r}", hint=f"use one of {', '.join(PATCH_MODES)}"
        )
    started = time.monotonic()
    names = {f: project.function_name(state.stage, f) for f in plan.functions}
    root = Path(project.root)
    source = root / state.code_path
    if not source.is_file():
        raise QuickRefused("the local copy of the live code zip is gone")
    # The live code is checked while the zip is patched and uploaded (an upload is harmless:
    # the bucket's code is content-addressed, and nothing is live before the journal).
    with ThreadPoolExecutor(max_workers=1) as checker:
        checking = checker.submit(_check_live_code, cloud, state, names)
        try:
            artifact, sha256, uploaded, sent, remote = _staged(
                cloud, project, state, snapshot, plan, bucket, patch, patcher, say
            )
        except BaseException:
            checking.result()  # drift first: the full path it leads to handles the rest
            raise
        checking.result()
    key = f"code/{sha256}.zip"
    write_journal(root, state.stage, Journal(key, sha256, names, time.time()))
    failures = update_all(cloud, names, bucket, key)
    live = {f: state.code_of(f) for f in project.functions}
    live.update({f: sha256 for f in names if f not in failures})
    new_state = replace(
        state,
        code_key=key,
        code_sha256=sha256,
        code_path=artifact.relative_to(root).as_posix(),
        files={p: r.as_json() for p, r in snapshot.code.items()},
        deployed_at=time.time(),
        function_code=function_code(live, sha256),
        stale=sorted(failures),
    )
    seconds = time.monotonic() - started
    where: Patched = "local" if remote is None else "remote"
    result = QuickResult(plan, key, uploaded, seconds, where, sent, failures)
    return result, new_state


def _staged(
    cloud: Cloud,
    project: Project,
    state: StageState,
    snapshot: Snapshot,
    plan: QuickPlan,
    bucket: str,
    patch: str,
    patcher: Callable[[], str] | None,
    say: Callable[[str], None] | None,
) -> tuple[Path, str, int, int, RemotePatch | None]:
    """The zip to make live, in the bucket: (local copy, sha256, bytes uploaded, bytes sent,
    the remote patch if it was patched there)."""
    if plan.changes:
        artifact, sha256, remote = _patched(
            cloud, project, state, snapshot, plan, bucket, patch, patcher, say
        )
    else:  # only stale functions: they get the stage's current zip, already in the bucket
        artifact, sha256, remote = Path(project.root) / state.code_path, state.code_sha256, None
    if remote is not None:
        return artifact, sha256, remote.sent_bytes, remote.sent_bytes, remote
    uploaded = upload(cloud, bucket, f"code/{sha256}.zip", artifact)
    return artifact, sha256, uploaded, uploaded, None


def _check_live_code(cloud: Cloud, state: StageState, names: dict[str, str]) -> None:
    """QuickRefused unless every function runs the code Tether recorded for it (for a stale
    one, whose update may have landed after all, the code it was being given is fine too)."""
    for function, live in live_code(cloud, names).items():
        if live is None:
            raise QuickRefused(f"function {function} is not deployed there any more")
        expected = {state.code_of(function)}
        if function in state.stale:
            expected.add(state.code_sha256)
        if live not in expected:
            raise QuickRefused(f"function {function} runs code deployed from elsewhere (drift)")


def _patched(
    cloud: Cloud,
    project: Project,
    state: StageState,
    snapshot: Snapshot,
    plan: QuickPlan,
    bucket: str,
    patch: str,
    patcher: Callable[[], str] | None,
    say: Callable[[str], None] | None,
) -> tuple[Path, str, RemotePatch | None]:
    """Patch the changed files into the live zip: the local copy always (it is the next quick
    deploy's base), and the bucket's copy too when patching remotely. Returns the patched local
    zip, its sha256, and the remote patch (None when the zip is to be uploaded)."""
    root = Path(project.root)
    source = root / state.code_path
    contents = {
        path: (None if path in plan.changes.removed else snapshot.sources[path].read_bytes())
        for path in plan.changes.paths
    }
    executable = [
        p for p in plan.changes.paths if p in snapshot.executable and contents[p] is not None
    ]
    build_dir = root.joinpath(*BUILD_DIR)
    build_dir.mkdir(parents=True, exist_ok=True)
    delta = make_delta(contents, executable=executable)
    # A scratch name of this deploy's own: other stages, or other deploys on this machine, may
    # be patching in the same folder at the same moment.
    fd, scratch = tempfile.mkstemp(prefix=".patching-", suffix=".zip", dir=build_dir)
    os.close(fd)
    staging = Path(scratch)
    try:
        result = apply_delta(source, staging, delta)
        # A quick deploy must not send what Lambda would refuse: the build's size check, again.
        check_unzipped(
            Part("code", zip_sizes(staging)),
            Part("layer", [("dependencies (requirements.txt)", state.layer_unzipped)]),
        )
        artifact = build_dir / f"code-{result.sha256[:12]}.zip"
        staging.replace(artifact)  # content-addressed: a concurrent writer writes the same bytes
    finally:
        staging.unlink(missing_ok=True)
    remote = None
    if patch == "remote" or (patch == "auto" and result.size > REMOTE_PATCH_THRESHOLD):
        remote = _patch_remotely(cloud, patcher, bucket, state.code_key, delta, result, patch, say)
    return artifact, result.sha256, remote


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
