"""The full deploy, as a pipeline of stages:

    build -> synth -> bootstrap + upload -> plan -> (confirm) -> data check again -> prepare
      -> [take out moved functions] -> change set -> data check again -> execute
      -> finish (delete chosen buckets) -> settle code (every function runs the built code)
      -> record

Each stage takes one input and returns one output; this module only chains them, holds the
stage's lock, and records the result in the stage's state. `tether plan`, `tether deploy` and
the IDE call these functions. A split project's nested stack templates are uploaded with the
artifacts; functions the plan moves between stacks are first taken out of the stage (one
update without them) and then deployed in their new stack (`take_out_moved`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from tether.build import BuildResult, build_project
from tether.build.limits import zip_sizes
from tether.cloud import Cloud, connect
from tether.cloud.session import CloudError
from tether.deploy import standins
from tether.deploy.artifacts import named_by, upload, upload_templates
from tether.deploy.bootstrap import ensure_bootstrap
from tether.deploy.changes import FileRecord, Snapshot, snapshot
from tether.deploy.cleanup import prune_artifacts, prune_artifacts_in_passing, prune_builds
from tether.deploy.execute import (
    Progress,
    create_change_set,
    delete_change_set,
    execute,
    finish,
    prepare,
)
from tether.deploy.journal import Journal, clear_journal, read_journal, reconcile
from tether.deploy.live import CodeUpdateError, SettledCode, settle_code
from tether.deploy.plan import DataLossError, Plan, make_plan, recheck
from tether.deploy.quick import QuickRefused, quick_deploy, quick_plan
from tether.deploy.stack import DeployedStack, read_stack
from tether.deploy.standins import StandIn
from tether.deploy.state import StageState, load_state, save_state, save_template, stage_lock
from tether.errors import TetherError
from tether.model import Project
from tether.synth import Stacks, synthesize_stacks
from tether.synth.functions import CODE_BUCKET_PARAMETER, CODE_KEY_PARAMETER, LAYER_KEY_PARAMETER
from tether.synth.nesting import labels
from tether.words import count

DeployPath = Literal["full", "quick", "none"]

Say = Callable[[str], None]


class AbortedError(TetherError):
    """The user declined the plan."""


@dataclass
class Target:
    """What one deploy computes once and both paths use: the stage's template and its cloud
    (opened, and the local cloud started, only when first needed)."""

    project: Project
    stage: str
    target: str
    _stacks: Stacks | None = None
    _flat: dict[str, Any] | None = None
    _cloud: Cloud | None = None

    def stacks(self) -> Stacks:
        if self._stacks is None:
            self._stacks = synthesize_stacks(self.project, stage=self.stage, target=self.target)
        return self._stacks

    def template(self) -> dict[str, Any]:
        """The root template (the only one unless the project is split into nested stacks)."""
        return self.stacks().root

    def flat(self) -> dict[str, Any]:
        """The stage's templates as one (the root's own for a project in one stack): what the
        state records the hash of, and the stage's template.json keeps."""
        if self._flat is None:
            self._flat = self.stacks().flat()
        return self._flat

    def cloud(self) -> Cloud:
        if self._cloud is None:
            self._cloud = open_target(self.project, self.target, start=True)
        return self._cloud


@dataclass(frozen=True)
class Staged:
    """Everything a plan needs, gathered once: the cloud, the build, the deployed stack."""

    cloud: Cloud
    build: BuildResult
    plan: Plan
    deployed: DeployedStack | None
    uploaded_bytes: int
    parameters: dict[str, str]


@dataclass(frozen=True)
class DeployResult:
    plan: Plan | None  # None when the quick path was taken
    outputs: dict[str, str]
    uploaded_bytes: int
    seconds: float
    path: DeployPath = "full"  # none: nothing changed
    reason: str = ""  # why this path: "only code changed", "tether.yaml changed", ...
    functions: tuple[str, ...] = ()  # functions whose code Tether updated directly
    patched: str = ""  # quick path: "local" or "remote" (where the code zip was patched)
    sent_bytes: int = 0  # quick path: bytes sent for the code (upload, or delta + invoke)
    notes: tuple[str, ...] = ()  # what the user should know: drift repaired, a bucket kept...
    # time.time() when the new code could answer (the updates done, before the bookkeeping
    # after them: state, old builds and artifacts); 0 when nothing went live
    live_at: float = 0.0


class LocalCloudNotRunning(TetherError):
    """A command that only reads found no local cloud running (and started none)."""


class LocalStageGone(TetherError):
    """The stage was deployed to a local cloud that no longer has its stack (reset, forgotten,
    or another local cloud)."""


def open_target(
    project: Project,
    target: str,
    *,
    start: bool = False,
    stage: str | None = None,
) -> Cloud:
    """A Cloud for the target. For `local`: with `start` (deploys), the local cloud is started
    if it is not running; without (commands that only read), LocalCloudNotRunning says how to
    start it. With `stage`, LocalStageGone when the stage's recorded deploy went to a local
    cloud that no longer has its stack."""
    if target != "local":
        return connect("aws", project.region)
    from tether.localcloud import ensure_running, status

    local = ensure_running() if start else status()
    if local is None:
        raise LocalCloudNotRunning(
            "the local cloud is not running",
            hint="start it with `tether local start` (it comes back with what was deployed "
            "to it); `tether deploy` starts it too",
        )
    cloud = connect("local", project.region, endpoint=local.endpoint)
    if stage is not None:
        gone = local_stage_gone(project, stage, cloud)
        if gone is not None:
            raise LocalStageGone(gone, hint=f"run `tether deploy --stage {stage}`")
    return cloud


def local_stage_gone(project: Project, stage: str, cloud: Cloud) -> str | None:
    """Why the stage's recorded local deploy is not in `cloud` any more, or None when it is
    there (or the stage was never deployed to the local cloud, or the record is unreadable)."""
    try:
        state = load_state(project.root, stage)
    except TetherError:
        return None
    if state is None or state.target != "local" or cloud.target != "local":
        return None
    if _stack_alive(cloud, state.stack):
        return None
    if state.endpoint and state.endpoint != cloud.endpoint:
        return (
            f"stage {stage} was deployed to the local cloud at {state.endpoint}; the one "
            f"running at {cloud.endpoint} does not have it: deploy again"
        )
    return f"the local cloud was reset since stage {stage} was deployed: deploy again"


def _stack_alive(cloud: Cloud, name: str) -> bool:
    stack = read_stack(cloud, name)
    return stack is not None and stack.alive


def stage_plan(
    project: Project,
    *,
    stage: str,
    target: str,
    delete: Iterable[str] = (),
    say: Say | None = None,
    state: StageState | None = None,
    once: Target | None = None,
) -> Staged:
    """Build, synthesise, read the deployed stack, upload the artifacts (only those not there
    yet; those the stack names are not even looked for) and plan. `state` and `once` are what
    the caller has already read and computed (else read here)."""
    if state is None:
        state = load_state(project.root, stage)
    once = once or Target(project, stage, target)
    build = build_project(project, progress=say, local=target == "local")
    stacks = once.stacks()
    cloud = once.cloud()
    bucket = ensure_bootstrap(cloud, progress=say).bucket
    deployed = read_stack(cloud, project.stack_name(stage))
    if deployed is not None and deployed.busy:
        raise TetherError(
            f"stack {deployed.name} is busy ({deployed.status})",
            hint="another deploy from elsewhere is running; wait for it and try again",
        )
    there = named_by(deployed, bucket)
    uploaded = upload(cloud, bucket, build.code.key, build.code.path, there=there)
    uploaded += upload_templates(cloud, bucket, stacks.children.values(), there=there)
    parameters = {CODE_BUCKET_PARAMETER: bucket, CODE_KEY_PARAMETER: build.code.key}
    if build.layer is not None:
        uploaded += upload(cloud, bucket, build.layer.key, build.layer.path, there=there)
        parameters[LAYER_KEY_PARAMETER] = build.layer.key
    if (
        deployed is not None
        and state is not None
        and state.code_key == build.code.key
        and (state.target, state.stack, state.endpoint) == (target, deployed.name, cloud.endpoint)
    ):
        # A quick deploy already made this code live; the stack's CodeKey is just behind.
        live = {**deployed.parameters, CODE_KEY_PARAMETER: build.code.key}
        deployed = dataclasses.replace(deployed, parameters=live)
    plan = make_plan(
        cloud,
        project,
        stage=stage,
        target=target,
        template=stacks.root,
        parameters=parameters,
        deployed=deployed,
        delete=delete,
        children=stacks.children,
        flat=once.flat(),
    )
    return Staged(
        cloud=cloud,
        build=build,
        plan=plan,
        deployed=deployed,
        uploaded_bytes=uploaded,
        parameters=parameters,
    )


def deploy(
    project: Project,
    *,
    stage: str,
    target: str,
    delete: Iterable[str] = (),
    mode: str = "auto",
    patch: str = "auto",
    confirm: Callable[[Plan], bool] = lambda plan: True,
    progress: Progress | None = None,
    say: Say | None = None,
    stand_ins: Callable[[list[StandIn]], bool] | None = None,
) -> DeployResult:
    """Deploy the stage. `mode` "auto" takes the quick path when only code changed, "quick"
    insists on it, "full" forbids it. `patch` picks how the quick path patches the code zip:
    "local", "remote" (the bootstrap stack's patcher function, in the bucket: the client sends
    only the change) or "auto" (remote for artifacts over 5 MB). On the local target, the full
    path asks `stand_ins` whether to create the external resources missing there (None: it
    only warns; `tether.deploy.standins`). Raises DataLossError,
    AbortedError, DeployFailedError (the previous version keeps running), QuickDeployError or
    a CloudError."""
    started = time.monotonic()
    with stage_lock(project.root, stage):
        state = load_state(project.root, stage)
        interrupted = ""
        journal = read_journal(project.root, stage)
        if journal is not None:
            state, interrupted = _reconcile(project, stage, target, state, journal, say)
        previous = {p: FileRecord.from_json(r) for p, r in state.files.items()} if state else {}
        files = snapshot(project, previous)
        reason = "first deploy of the stage" if state is None else interrupted
        once = Target(project, stage, target)
        if mode != "full" and state is not None and not interrupted:
            try:
                return _quick(
                    project,
                    once=once,
                    state=state,
                    files=files,
                    started=started,
                    patch=patch,
                    say=say,
                )
            except QuickRefused as refused:
                reason = refused.reason
        if mode == "quick" and state is not None:
            raise TetherError(
                f"cannot quick deploy: {reason}",
                hint="deploy without --quick to take the full path",
            )
        if mode == "full":
            reason = interrupted or "--full"
        return _full(
            project,
            stage=stage,
            target=target,
            state=state,
            files=files,
            delete=delete,
            confirm=confirm,
            progress=progress,
            say=say,
            started=started,
            reason=reason,
            stand_ins=stand_ins,
            once=once,
        )


def _reconcile(
    project: Project,
    stage: str,
    target: str,
    state: StageState | None,
    journal: Journal,
    say: Say | None,
) -> tuple[StageState | None, str]:
    """Record what an interrupted quick deploy left live; returns the state and why the full
    path must now check every function."""
    if state is not None:
        reconciled = reconcile(open_target(project, target, start=True), state, journal)
        state = reconciled.state
        save_state(project.root, state)
        note = reconciled.note
    else:
        note = "a quick deploy was interrupted"
    # The journal stays until the full path has recorded its result: should that stop too,
    # the next deploy checks every function again.
    if say is not None:
        say(f"{note}; checking the code of every function")
    return state, note


def _full(
    project: Project,
    *,
    stage: str,
    target: str,
    state: StageState | None,
    files: Snapshot,
    delete: Iterable[str],
    confirm: Callable[[Plan], bool],
    progress: Progress | None,
    say: Say | None,
    started: float,
    reason: str,
    stand_ins: Callable[[list[StandIn]], bool] | None,
    once: Target,
) -> DeployResult:
    staged = stage_plan(
        project, stage=stage, target=target, delete=delete, say=say, state=state, once=once
    )
    plan = staged.plan
    if plan.blocked:
        raise DataLossError(plan.blocked)
    outputs = staged.deployed.outputs if staged.deployed is not None else {}
    notes: list[str] = []
    if not plan.noop and not confirm(plan):
        raise AbortedError("deploy cancelled; nothing was changed")
    notes += _provide_stand_ins(staged.cloud, project, stand_ins, say)
    if not plan.noop:
        _stop_if_data_appeared(staged, project)
        prepare(staged.cloud, plan, staged.deployed)
        if plan.moved:
            take_out_moved(staged, project, progress=progress, say=say)
        change_set = create_change_set(staged.cloud, plan)
        try:
            _stop_if_data_appeared(staged, project)
        except DataLossError:
            delete_change_set(staged.cloud, plan, change_set)
            raise
        outputs = execute(staged.cloud, plan, change_set, progress=progress)
        notes += finish(staged.cloud, (*plan.risks, *plan.emptied))
    # Recorded before the functions' code is checked: should that fail, the stack's change is
    # known, and every function is left for the next deploy to check (stale).
    unchecked = SettledCode(failures=dict.fromkeys(project.functions, "not checked yet"))
    _record(project, staged, outputs, files, unchecked, template=True)
    try:
        settled = settle_code(
            staged.cloud,
            project,
            state,
            stage=stage,
            target=target,
            bucket=staged.parameters[CODE_BUCKET_PARAMETER],
            key=staged.build.code.key,
            sha256=staged.build.code.sha256,
            updated=plan.updated_functions(),
        )
    except CloudError as exc:
        raise CodeUpdateError(
            f"the stack is deployed, but checking the functions' code failed: {exc.message}",
            hint="deploy again: it checks and updates every function (it is safe to repeat)",
        ) from None
    live_at = time.time()
    _record(project, staged, outputs, files, settled)
    clear_journal(project.root, stage)
    if staged.uploaded_bytes or not plan.noop:  # old code may be unneeded now
        prune_artifacts(staged.cloud, staged.parameters[CODE_BUCKET_PARAMETER], root=project.root)
    notes += settled.notes()
    settled.raise_failures()
    return DeployResult(
        plan=plan,
        outputs=outputs,
        uploaded_bytes=staged.uploaded_bytes,
        seconds=time.monotonic() - started,
        path="none" if plan.noop and not settled.updated else "full",
        reason=reason,
        functions=settled.updated,
        notes=tuple(notes),
        live_at=live_at,
    )


def take_out_moved(
    staged: Staged, project: Project, *, progress: Progress | None, say: Say | None
) -> None:
    """Deploy the stage without the functions the plan moves to another stack, the others
    already where the plan puts them: CloudFormation cannot move a function (its name is
    fixed) from one stack to another in one update. The moved functions are down until the
    plan's own change set has run."""
    plan = staged.plan
    if say is not None:
        say(
            f"moving {count(len(plan.moved), 'function')} to another stack: taking "
            f"{'it' if len(plan.moved) == 1 else 'them'} out first ({', '.join(plan.moved[:5])}"
            + (", ..." if len(plan.moved) > 5 else "")
            + ")"
        )
    kept = {n: f for n, f in project.functions.items() if n not in plan.moved}
    layout = None
    if plan.children:
        placed = labels(Stacks(plan.template, plan.children))
        layout = {name: label for name, label in placed.items() if name in kept}
    between = synthesize_stacks(
        dataclasses.replace(project, functions=kept),
        stage=plan.stage,
        target=plan.target,
        layout=layout,
    )
    upload_templates(
        staged.cloud, plan.parameters[CODE_BUCKET_PARAMETER], between.children.values()
    )
    step = dataclasses.replace(plan, template=between.root, children=between.children)
    execute(staged.cloud, step, create_change_set(staged.cloud, step), progress=progress)


def _stop_if_data_appeared(staged: Staged, project: Project) -> None:
    late = recheck(staged.cloud, project, staged.plan, staged.deployed)
    if late:
        raise DataLossError(late, since_plan=True)


def _quick(
    project: Project,
    *,
    once: Target,
    state: StageState,
    files: Snapshot,
    started: float,
    patch: str = "auto",
    say: Say | None,
) -> DeployResult:
    stage, target = once.stage, once.target
    if state.target != target:
        raise QuickRefused(f"the stage was last deployed to {state.target}")
    python = _local_python(project) if state.layer_python else ""
    if python != state.layer_python:
        raise QuickRefused(
            f"{project.runtime} now runs on Python {python} here; the "
            f"dependency layer was built for Python {state.layer_python}"
        )
    plan = quick_plan(project, state, files, once.flat(), project.affected)
    if not plan.functions:
        raise QuickRefused("no code changed")
    cloud = once.cloud()
    if cloud.endpoint != state.endpoint:
        raise QuickRefused("the cloud endpoint changed since the last deploy")
    result, new_state = quick_deploy(
        cloud,
        project,
        state,
        files,
        plan,
        bucket=state.artifact_bucket,
        patch=patch,
        patcher=lambda: ensure_bootstrap(cloud, progress=say).patcher,
        say=say,
    )
    live_at = time.time()
    save_state(project.root, new_state)
    clear_journal(project.root, stage)
    prune_builds(project.root)
    prune_artifacts_in_passing(cloud, state.artifact_bucket, root=project.root)
    result.raise_failures()
    why = (
        f"only code changed: {count(len(plan.changes.paths), 'file')}"
        if plan.changes
        else f"retrying the update of {', '.join(plan.functions)}"
    )
    return DeployResult(
        plan=None,
        outputs=state.outputs,
        uploaded_bytes=result.uploaded_bytes,
        seconds=time.monotonic() - started,
        path="quick",
        patched=result.patched,
        sent_bytes=result.sent_bytes,
        reason=why,
        functions=plan.functions,
        live_at=live_at,
    )


def preview(
    project: Project,
    *,
    stage: str,
    target: str,
    delete: Iterable[str] = (),
    keep_change_set: bool = False,
    say: Say | None = None,
) -> tuple[Plan, str | None]:
    """`tether plan`: the plan, validated by creating its change set (deleted unless kept)."""
    with stage_lock(project.root, stage):
        staged = stage_plan(project, stage=stage, target=target, delete=delete, say=say)
        if staged.plan.noop or staged.plan.blocked:
            return staged.plan, None
        change_set = create_change_set(staged.cloud, staged.plan)
        if not keep_change_set:
            delete_change_set(staged.cloud, staged.plan, change_set)
            return staged.plan, None
        return staged.plan, change_set


def _local_python(project: Project) -> str:
    """The Python ("3.12") that runs the project's runtime on the local cloud now."""
    from tether.runtime import interpreters

    return interpreters.resolve(project.runtime).version_text


def _provide_stand_ins(
    cloud: Cloud,
    project: Project,
    decide: Callable[[list[StandIn]], bool] | None,
    say: Say | None,
) -> list[str]:
    """Create the external resources the local cloud lacks when `decide` agrees; else say
    which are missing and what that means (at once: a trigger on one fails the deploy)."""
    lacking = standins.missing(project, cloud)
    if not lacking:
        return []
    if decide is not None and decide(lacking):
        created = standins.create(cloud, lacking)
    else:
        names = ", ".join(one.describe() for one in lacking)
        created = [
            f"the local cloud has no {names}: external resources live on AWS, so functions "
            "using them fail here; `tether deploy --stand-ins` creates empty local stand-ins"
        ]
    if say is None:
        return created
    for line in created:
        say(line)
    return []


def _record(
    project: Project,
    staged: Staged,
    outputs: dict[str, Any],
    files: Snapshot,
    settled: SettledCode,
    *,
    template: bool = False,
) -> None:
    """Save the stage's state after the deploy `staged`; with `template`, the deployed template
    too (the same for both of a deploy's records: saved with the first)."""
    plan = staged.plan
    if template:
        save_template(project.root, plan.stage, plan.flat)
    save_state(
        project.root,
        StageState(
            stage=plan.stage,
            target=plan.target,
            region=project.region,
            stack=plan.stack,
            endpoint=staged.cloud.endpoint,
            code_key=staged.build.code.key,
            code_sha256=staged.build.code.sha256,
            layer_key=staged.build.layer.key if staged.build.layer else "",
            layer_unzipped=sum(size for _, size in zip_sizes(staged.build.layer.path))
            if staged.build.layer
            else 0,
            layer_python=_local_python(project)
            if staged.build.layer and plan.target == "local"
            else "",
            template_sha256=plan.template_sha256(),
            outputs={str(k): str(v) for k, v in outputs.items()},
            deployed_at=time.time(),
            files={p: r.as_json() for p, r in files.code.items()},
            project_file_sha256=files.project_file,
            requirements_sha256=files.requirements,
            code_path=staged.build.code.path.relative_to(project.root).as_posix(),
            artifact_bucket=staged.parameters[CODE_BUCKET_PARAMETER],
            function_code=settled.function_code,
            stale=sorted(settled.failures),
        ),
    )
    prune_builds(project.root, keep=(staged.build.code.path,))
