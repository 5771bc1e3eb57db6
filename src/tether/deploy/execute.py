"""Execute stage of the pipeline: Plan -> a CloudFormation change set, executed, with progress.

Before the change set runs, every bucket, table and queue it removes or replaces is marked
`DeletionPolicy: Retain` in the deployed stack (`prepare`), so the change itself deletes no data.
Only once it has succeeded does `finish` delete what the user chose to delete and what is still
empty, checked at that moment: a change that fails and rolls back never costs the user data, and
data written during the deploy is kept. Stack events stream to a callback while the change runs.
A failed deploy leaves the previous stack in place (CloudFormation rolls back) and is reported
with the failing resources and reasons in the user's words.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tether.cloud import Cloud
from tether.cloud.session import CloudError
from tether.deploy.data import CFN_TYPES, delete_resource, holds_data
from tether.deploy.plan import KEPT_BY_TETHER, DataRisk, Plan
from tether.deploy.stack import DeployedStack, owner_words, stage_outputs
from tether.errors import TetherError
from tether.model.limits import TEMPLATE_BODY_BYTES
from tether.synth.functions import CODE_BUCKET_PARAMETER
from tether.synth.nesting import NESTED_STACK, compact, template_key

CAPABILITIES = ["CAPABILITY_IAM"]
TEMPLATE_BODY_LIMIT = TEMPLATE_BODY_BYTES  # CloudFormation's limit for a template sent inline
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class StackEvent:
    """One line of deploy progress."""

    timestamp: datetime
    logical_id: str
    owner: str
    resource_type: str
    status: str
    reason: str


Progress = Callable[[StackEvent], None]


class DeployFailedError(TetherError):
    """CloudFormation could not apply the change; the previous stack is still running."""


def template_source(cloud: Cloud, template: dict[str, Any], bucket: str) -> dict[str, str]:
    """How to hand CloudFormation a template: inline up to its 51,200-byte limit, else from the
    artifact bucket (content-addressed, so the same template is uploaded once)."""
    body = compact(template)
    if len(body.encode()) <= TEMPLATE_BODY_LIMIT:
        return {"TemplateBody": body}
    if not bucket:
        raise TetherError(
            f"the template is {len(body.encode()):,} bytes, over CloudFormation's inline limit "
            f"of {TEMPLATE_BODY_LIMIT:,}, and the stack names no artifact bucket to upload it to",
            hint="deploy the stage again with `tether deploy --full`",
        )
    key = template_key(template)
    with cloud.guard():
        cloud.client("s3").put_object(Bucket=bucket, Key=key, Body=body.encode())
    domain = "amazonaws.com.cn" if cloud.region.startswith("cn-") else "amazonaws.com"
    return {"TemplateURL": f"https://{bucket}.s3.{cloud.region}.{domain}/{key}"}


def create_change_set(cloud: Cloud, plan: Plan) -> str:
    """Create the plan's change set, wait until it is ready, and return its ARN."""
    cfn = cloud.client("cloudformation")
    source = template_source(cloud, plan.template, plan.parameters.get(CODE_BUCKET_PARAMETER, ""))
    with cloud.guard():
        if plan.replace_dead_stack:
            cfn.delete_stack(StackName=plan.stack)
            _wait_for(cloud, plan.stack, terminal={"DELETE_COMPLETE"}, gone_ok=True)
        created = cfn.create_change_set(
            StackName=plan.stack,
            ChangeSetName=f"tether-{int(time.time() * 1000)}",
            ChangeSetType="UPDATE" if plan.exists else "CREATE",
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in sorted(plan.parameters.items())
            ],
            Capabilities=CAPABILITIES,
            Tags=[{"Key": "tether:stage", "Value": plan.stage}],
            **source,
        )
        change_set = str(created["Id"])
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            described = cfn.describe_change_set(ChangeSetName=change_set, StackName=plan.stack)
            status = described.get("Status", "CREATE_COMPLETE")
            if status == "CREATE_COMPLETE":
                return change_set
            if status == "FAILED":
                raise DeployFailedError(
                    f"CloudFormation refused the change: {described.get('StatusReason', 'no reason given')}",
                    hint="nothing was changed; fix the cause and deploy again",
                )
            time.sleep(POLL_SECONDS)
    raise DeployFailedError("the change set was not ready after 5 minutes", hint="try again")


def delete_change_set(cloud: Cloud, plan: Plan, change_set: str) -> None:
    with cloud.guard():
        cloud.client("cloudformation").delete_change_set(
            ChangeSetName=change_set, StackName=plan.stack
        )
        if not plan.exists:
            # A CREATE change set leaves an empty stack in REVIEW_IN_PROGRESS; remove it too.
            cloud.client("cloudformation").delete_stack(StackName=plan.stack)


def prepare(cloud: Cloud, plan: Plan, deployed: DeployedStack | None) -> None:
    """Mark every bucket, table and queue the plan removes or replaces as kept by the change
    (DeletionPolicy and UpdateReplacePolicy Retain): those becoming external stay; the others
    are deleted by `finish` once the change has succeeded, and only if the user chose so or
    they are still empty then."""
    keep = [r.logical_id for r in (*plan.risks, *plan.emptied) if r.decision != "retain"]
    if keep and deployed is not None:
        mark_retained(cloud, deployed, keep)


def mark_retained(cloud: Cloud, deployed: DeployedStack, logical_ids: list[str]) -> None:
    """Update the deployed stack so that removing or replacing these resources keeps them. The
    mark is tagged as Tether's (`plan.kept_by_tether`): should the deploy fail, it is never
    mistaken for the user's `retain: true`."""
    template = json.loads(json.dumps(deployed.template))
    for logical_id in logical_ids:
        resource = template["Resources"][logical_id]
        resource["DeletionPolicy"] = "Retain"
        resource["UpdateReplacePolicy"] = "Retain"
        resource.setdefault("Metadata", {}).setdefault("tether", {})[KEPT_BY_TETHER] = True
    if template == deployed.template:
        return
    cfn = cloud.client("cloudformation")
    source = template_source(cloud, template, deployed.parameters.get(CODE_BUCKET_PARAMETER, ""))
    with cloud.guard():
        cfn.update_stack(
            StackName=deployed.name,
            **source,
            Parameters=[
                {"ParameterKey": k, "UsePreviousValue": True} for k in sorted(deployed.parameters)
            ],
            Capabilities=CAPABILITIES,
        )
    _wait_for(cloud, deployed.name, terminal={"UPDATE_COMPLETE"})
    with cloud.guard():
        body = cfn.get_template(StackName=deployed.name, TemplateStage="Original")["TemplateBody"]
    applied = json.loads(body) if isinstance(body, str) else dict(body)
    unmarked = [
        logical_id
        for logical_id in logical_ids
        if applied.get("Resources", {}).get(logical_id, {}).get("DeletionPolicy") != "Retain"
    ]
    if unmarked:  # CloudFormation has taken policy-only updates for no change before
        raise DeployFailedError(
            f"CloudFormation did not record that {', '.join(unmarked)} must be kept; "
            "nothing was removed",
            hint="deploy again; if it persists, set `retain: true` on the resource first",
        )


def finish(cloud: Cloud, risks: Iterable[DataRisk]) -> list[str]:
    """After the change succeeded, for what it kept (`prepare`): delete what the user chose to
    delete, and what was empty when planned if it is empty still (checked now, at the moment of
    deletion); keep anything that received data meanwhile. Returns what the user should know;
    the deploy itself is done either way."""
    notes = []
    for risk in risks:
        if risk.decision not in ("delete", "empty"):
            continue
        where = f"{risk.type_name} {risk.resource} ({risk.physical_id})"
        try:
            if risk.decision == "empty":
                holds = holds_data(cloud, CFN_TYPES[risk.type_name], risk.physical_id)
                if holds is not None:
                    notes.append(
                        f"{where} received data during the deploy ({holds}), so it was kept in "
                        "the account, out of the stack: adopt it as external, or delete it"
                    )
                    continue
            delete_resource(cloud, risk.type_name, risk.physical_id)
        except TetherError as exc:
            notes.append(
                f"{where} is out of the stack but could not be deleted: {exc.message}; it is "
                "still in the account"
            )
    return notes


def execute(
    cloud: Cloud, plan: Plan, change_set: str, *, progress: Progress | None = None
) -> dict[str, str]:
    """Run the change set, stream its events, and return the stage's outputs (its nested
    stacks' included)."""
    cfn = cloud.client("cloudformation")
    started = datetime.now(UTC)
    with cloud.guard():
        cfn.execute_change_set(ChangeSetName=change_set, StackName=plan.stack)
    final = _wait_for(
        cloud,
        plan.stack,
        terminal={"CREATE_COMPLETE", "UPDATE_COMPLETE"},
        since=started,
        progress=progress,
        template=plan.template,
        children=plan.children,
    )
    return stage_outputs(cloud, final)


def destroy_stack(
    cloud: Cloud,
    stack: str,
    *,
    progress: Progress | None = None,
    template: dict[str, Any] | None = None,
) -> None:
    """Delete the stack and follow it to DELETE_COMPLETE, by its id: once deleted, a stack can
    no longer be found by its name, and its last events would be missed."""
    started = datetime.now(UTC)
    cfn = cloud.client("cloudformation")
    with cloud.guard():
        stack_id = str(cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackId"])
        cfn.delete_stack(StackName=stack_id)
    _wait_for(
        cloud,
        stack_id,
        name=stack,
        terminal={"DELETE_COMPLETE"},
        since=started,
        progress=progress,
        template=template or {},
        gone_ok=True,
    )


def _wait_for(
    cloud: Cloud,
    stack: str,
    *,
    name: str = "",
    terminal: set[str],
    since: datetime | None = None,
    progress: Progress | None = None,
    template: dict[str, Any] | None = None,
    children: Mapping[str, dict[str, Any]] | None = None,
    gone_ok: bool = False,
    timeout: float = 3600,
) -> dict[str, Any]:
    """Poll the stack (a name or an id; `name` is its name when `stack` is an id) until it
    reaches a final state; report new events, its nested stacks' too (so a split project's
    progress names each function, and a failure its cause); raise on failure."""
    name = name or stack
    cfn = cloud.client("cloudformation")
    events = _Events(name, since, template or {}, children or {})
    deadline = time.monotonic() + timeout
    while True:
        with cloud.guard():
            try:
                described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
            except cfn.exceptions.ClientError as exc:
                if gone_ok and "does not exist" in str(exc):
                    return {}
                raise
            reported = events.new("", events.unseen(cfn, described["StackId"]))
            for stack_id, logical in list(events.nested.items()):  # those just found included
                try:
                    reported += events.new(logical, events.unseen(cfn, stack_id))
                except cfn.exceptions.ClientError:
                    continue  # deleted, and its events with it: the root's say it went
        for event in reported:
            if progress is not None:
                progress(event)
        status = described["StackStatus"]
        if status in terminal:
            return dict(described)
        if not status.endswith("_IN_PROGRESS") or status.endswith("ROLLBACK_COMPLETE"):
            raise _failure(name, status, events.failures)
        if time.monotonic() > deadline:
            raise CloudError(
                f"stack {name} is still {status} after {int(timeout)} s",
                hint="check it in the console",
            )
        time.sleep(POLL_SECONDS)


class _Events:
    """The events of one deploy, read from the root stack and each nested stack as it appears
    (by the physical ID of an AWS::CloudFormation::Stack resource in the root): each reported
    once, in the user's words, with the failures kept for the error."""

    def __init__(
        self,
        name: str,
        since: datetime | None,
        template: dict[str, Any],
        children: Mapping[str, dict[str, Any]],
    ) -> None:
        self.name = name
        self.since = since
        self.resources = {"": template.get("Resources", {})} | {
            logical: child.get("Resources", {}) for logical, child in children.items()
        }
        self.nested: dict[str, str] = {}  # nested stack's id -> its logical ID in the root
        self.failures: list[StackEvent] = []
        self._seen: set[str] = set()

    def unseen(self, cfn: Any, stack_id: str) -> list[dict[str, Any]]:
        """The stack's events, newest first, as far back as the first one seen already (or one
        from before the deploy): DescribeStackEvents gives 100 a page, and a nested stack of
        200 functions makes more than that between two polls."""
        found: list[dict[str, Any]] = []
        for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id):
            found += page["StackEvents"]
            oldest = found[-1] if found else None
            if oldest is None or oldest["EventId"] in self._seen:
                break
            if self.since is not None and oldest["Timestamp"] < self.since:
                break
        return found

    def new(self, nested: str, raw_events: list[dict[str, Any]]) -> list[StackEvent]:
        """The events of the root (`nested` "") or of one nested stack not reported yet (newest
        first, as CloudFormation lists them), oldest first."""
        fresh = []
        for raw in reversed(raw_events):
            if raw["EventId"] in self._seen or (
                self.since is not None and raw["Timestamp"] < self.since
            ):
                continue
            self._seen.add(raw["EventId"])
            logical = raw.get("LogicalResourceId", "")
            resource_type = raw.get("ResourceType", "")
            physical = raw.get("PhysicalResourceId", "")
            if not nested and resource_type == NESTED_STACK and logical != self.name and physical:
                self.nested.setdefault(physical, logical)
            if nested and physical in self.nested:
                continue  # the nested stack's own status: the root's event says it already
            if not nested and logical == self.name:
                owner = f"stack {self.name}"
            else:
                owner = owner_words(self.resources.get(nested, {}).get(logical, {}), logical)
            event = StackEvent(
                timestamp=raw["Timestamp"],
                logical_id=logical,
                owner=owner,
                resource_type=resource_type,
                status=raw.get("ResourceStatus", ""),
                reason=raw.get("ResourceStatusReason", "") or "",
            )
            if event.status.endswith("_FAILED") and owner != f"stack {self.name}":
                self.failures.append(event)
            fresh.append(event)
        return fresh


def _failure(stack: str, status: str, failures: list[StackEvent]) -> DeployFailedError:
    causes = [f for f in failures if "cancelled" not in f.reason.lower()] or failures
    lines = "\n".join(f"  - {f.owner}: {f.reason or f.status}" for f in causes[:10])
    rolled_back = "ROLLBACK" in status
    return DeployFailedError(
        f"deploy of {stack} failed ({status})" + (f"\n{lines}" if lines else ""),
        hint=(
            "CloudFormation rolled back: the previous version is still running. Fix the cause and deploy again"
            if rolled_back
            else "look at the stack's events for details"
        ),
    )
