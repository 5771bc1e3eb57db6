"""Plan stage of the pipeline: (deployed stack, new template) -> Plan, a list of changes as data.

The plan is the only place that decides what a deploy deletes. It diffs the deployed template
against the new one itself (moto's change sets carry no replacement details, and AWS's only say
what CloudFormation will do, not whether the user loses data), names every change in the user's
words, lists permission changes per function, and flags each removal or replacement of a bucket,
table or queue that still holds data. Such a change is blocked unless the user chose what happens:
`--delete NAME`, `retain: true` (already in the deployed template), or turning the resource into
an external one. Plans are inert data, so `tether plan`, the IDE preview and tests share them.

A split project (a root stack with nested stacks, `tether.synth.nesting`) is compared as one
flat template on both sides, so its plan names the same changes as if it were one stack. What
the split adds is `moved`: functions that a deploy puts in another stack than the one holding
them (the project crossed one stack's quotas, or a group of functions split or merged). The
deploy takes them out first, then puts them back in their new stack (`tether.deploy.pipeline`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import InitVar, dataclass, field
from functools import cached_property
from typing import Any, Literal

from tether.cloud import Cloud
from tether.deploy.data import DATA_TYPES, bucket_exists, holds_data
from tether.deploy.stack import DeployedStack, owner_resource, owner_words
from tether.errors import TetherError
from tether.model import Project
from tether.synth.nesting import flatten, function_stacks, moved, owner_function
from tether.words import count

ChangeAction = Literal["add", "modify", "replace", "remove"]
RiskAction = Literal["remove", "replace"]
Decision = Literal["blocked", "delete", "retain", "external", "empty"]

FUNCTION = "AWS::Lambda::Function"

# Properties whose change makes CloudFormation replace the resource (a new physical resource).
REPLACED_BY = {
    "AWS::S3::Bucket": {"BucketName"},
    "AWS::DynamoDB::Table": {"TableName", "KeySchema"},
    "AWS::SQS::Queue": {"QueueName", "FifoQueue"},
    "AWS::SNS::Topic": {"TopicName", "FifoTopic"},
    "AWS::Lambda::Function": {"FunctionName"},
    "AWS::Logs::LogGroup": {"LogGroupName"},
    "AWS::Lambda::Permission": {
        "Action",
        "FunctionName",
        "Principal",
        "SourceArn",
        "SourceAccount",
    },
    "AWS::Lambda::EventSourceMapping": {"EventSourceArn", "StartingPosition"},
    "AWS::SNS::Subscription": {"Endpoint", "Protocol", "TopicArn"},
    "AWS::ApiGatewayV2::Route": {"ApiId"},
    "AWS::ApiGatewayV2::Integration": {"ApiId"},
    "AWS::ApiGatewayV2::Stage": {"ApiId", "StageName"},
    "AWS::Events::Rule": {"Name"},
    "AWS::Lambda::LayerVersion": {"Content", "CompatibleRuntimes", "LayerName", "Description"},
}


@dataclass(frozen=True)
class Change:
    action: ChangeAction
    logical_id: str
    resource_type: str
    owner: str  # in the user's words: "bucket uploads", "trigger work -> worker"
    reason: str = ""  # "code", "properties: Timeout", ...


@dataclass(frozen=True)
class PermissionChange:
    function: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class DataRisk:
    """A project resource holding data that this deploy would delete or replace."""

    resource: str
    type_name: str
    logical_id: str
    physical_id: str
    holds: str  # "holds objects", "holds 3 messages"
    action: RiskAction
    decision: Decision  # empty: it held nothing when planned

    def describe(self) -> str:
        what = {"remove": "removed", "replace": "replaced"}[self.action]
        return f"{self.type_name} {self.resource} ({self.physical_id}) {self.holds} and would be {what}"


@dataclass(frozen=True)
class Plan:
    stack: str
    stage: str
    target: str
    exists: bool  # whether a live stack is being updated (else created)
    changes: tuple[Change, ...]
    permissions: tuple[PermissionChange, ...]
    risks: tuple[DataRisk, ...]
    parameters: dict[str, str] = field(compare=False)
    template: dict[str, Any] = field(compare=False, repr=False)
    replace_dead_stack: bool = False  # a failed first create is in the way and must go first
    # Buckets, tables and queues this deploy removes or replaces that were empty when planned:
    # kept by the change and deleted after it only if they are still empty (`execute.finish`).
    emptied: tuple[DataRisk, ...] = field(default=(), compare=False)
    # A split project's nested stacks: logical ID in the root -> template (uploaded first).
    children: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    # Functions this deploy moves to another stack: deleted, then created again there.
    moved: tuple[str, ...] = ()
    # `flatten(template, children)` when the caller has it already (`flat` is then not made
    # again); a plan made by `dataclasses.replace` makes its own.
    known_flat: InitVar[dict[str, Any] | None] = None

    def __post_init__(self, known_flat: dict[str, Any] | None) -> None:
        if known_flat is not None:
            self.__dict__["flat"] = known_flat  # where `cached_property` keeps its value

    @property
    def noop(self) -> bool:
        return not self.changes and not self.moved

    @property
    def blocked(self) -> tuple[DataRisk, ...]:
        return tuple(r for r in self.risks if r.decision == "blocked")

    def template_sha256(self) -> str:
        """The identity of what this deploy leaves deployed: the hash of its templates as one
        (the root's own for a project in one stack), as the stage's state records it."""
        return self._flat_sha256

    @cached_property
    def _flat_sha256(self) -> str:
        return template_hash(self.flat)

    def updated_functions(self) -> frozenset[str]:
        """The functions whose AWS::Lambda::Function this plan updates in place (a new code
        key updates them all): those whose update may still be in progress once the stack's is
        done. A function it creates (or creates again, moved or replaced) has no update."""
        resources = self.flat.get("Resources", {})
        updated = {
            owner_function(resources.get(change.logical_id, {}))
            for change in self.changes
            if change.resource_type == FUNCTION and change.action == "modify"
        }
        return frozenset(name for name in updated if name is not None)

    @cached_property
    def flat(self) -> dict[str, Any]:
        """The templates as one (`template` itself for a project in one stack), made once per
        plan (`dataclasses.replace` makes a new plan, which makes its own)."""
        return flatten(self.template, self.children)


class DataLossError(TetherError):
    """The deploy would delete data the user has not chosen to delete."""

    def __init__(self, risks: Iterable[DataRisk], *, since_plan: bool = False) -> None:
        risks = list(risks)
        lines = "\n".join(f"  - {r.describe()}" for r in risks)
        names = " ".join(f"--delete {r.resource}" for r in risks)
        why = (
            "data was written after the plan was shown, and this deploy would lose it"
            if since_plan
            else "this deploy would lose data"
        )
        super().__init__(
            f"stopped: {why}; nothing was deleted\n{lines}",
            hint=f"choose for each: really delete it ({names}), keep it in the account by deploying "
            "`retain: true` on it first, or keep using it as an external resource "
            "(`external: <its name or ARN>`)",
        )
        self.risks = risks


def template_hash(template: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()


def make_plan(
    cloud: Cloud,
    project: Project,
    *,
    stage: str,
    target: str,
    template: dict[str, Any],
    parameters: dict[str, str],
    deployed: DeployedStack | None,
    delete: Iterable[str] = (),
    children: dict[str, dict[str, Any]] | None = None,
    flat: dict[str, Any] | None = None,
) -> Plan:
    """Compare what is deployed with what would be; check the data of everything to be deleted.
    `template` is the root; `children` the nested stacks' templates of a split project; `flat`
    both as one, if the caller has made it already."""
    delete = set(delete)
    children = children or {}
    alive = deployed is not None and deployed.alive
    new = flat if flat is not None else flatten(template, children)
    old: dict[str, Any] = {}
    if alive and deployed is not None:
        # The same templates flatten to the same one: the common case, not made twice.
        same = deployed.template == template and deployed.nested == children
        old = new if same else deployed.flat_template
    old_parameters = deployed.parameters if alive and deployed is not None else {}
    changes = diff_templates(old, new, old_parameters, parameters)
    risks: list[DataRisk] = []
    if alive and deployed is not None:
        risks = _data_risks(cloud, project, deployed, changes, delete)
    emptied = [r for r in risks if r.decision == "empty"]
    risks = [r for r in risks if r.decision != "empty"]
    if changes:
        _refuse_taken_names(cloud, changes, new, project.file)
    at_risk = {r.resource for r in risks}
    unknown = sorted(delete - at_risk)
    if unknown:
        raise TetherError(
            f"--delete {' '.join(unknown)}: not a resource holding data that this deploy removes or replaces",
            hint="--delete is only needed (and only allowed) for resources the plan says hold data",
        )
    return Plan(
        stack=project.stack_name(stage),
        stage=stage,
        target=target,
        exists=alive,
        changes=tuple(changes),
        permissions=tuple(permission_changes(old, new)),
        risks=tuple(risks),
        emptied=tuple(emptied),
        parameters=dict(parameters),
        template=template,
        replace_dead_stack=deployed is not None and not alive,
        children=children,
        moved=tuple(
            moved(
                function_stacks(deployed.template, deployed.nested),
                function_stacks(template, children),
            )
            if alive and deployed is not None
            else ()
        ),
        known_flat=new,
    )


def diff_templates(
    old: dict[str, Any],
    new: dict[str, Any],
    old_parameters: dict[str, str],
    new_parameters: dict[str, str],
) -> list[Change]:
    """Resource-level changes between two templates, including those caused by new parameters
    (a new code artifact modifies every function without changing the template's text)."""
    old_resources: dict[str, Any] = old.get("Resources", {})
    new_resources: dict[str, Any] = new.get("Resources", {})
    changed_parameters = {
        key
        for key in set(old_parameters) | set(new_parameters)
        if old_parameters.get(key) != new_parameters.get(key)
    }
    changes: list[Change] = []
    for logical_id in sorted(set(old_resources) | set(new_resources)):
        before, after = old_resources.get(logical_id), new_resources.get(logical_id)
        if before is None and after is not None:
            changes.append(Change("add", logical_id, after["Type"], owner_words(after, logical_id)))
        elif after is None and before is not None:
            changes.append(
                Change("remove", logical_id, before["Type"], owner_words(before, logical_id))
            )
        elif before is not None and after is not None:
            change = _compare(logical_id, before, after, changed_parameters)
            if change is not None:
                changes.append(change)
    return changes


PARAMETER_WORDS = {"CodeKey": "new code", "LayerKey": "new dependencies"}


def _compare(
    logical_id: str, before: dict[str, Any], after: dict[str, Any], changed_parameters: set[str]
) -> Change | None:
    owner = owner_words(after, logical_id)
    kind = after["Type"]
    if before.get("Type") != kind:
        return Change("replace", logical_id, kind, owner, "type changed")
    old_props, new_props = before.get("Properties", {}), after.get("Properties", {})
    changed = sorted(
        k for k in set(old_props) | set(new_props) if old_props.get(k) != new_props.get(k)
    )
    changed += sorted(
        _parameter_property(after, p) for p in changed_parameters if _references(new_props, p)
    )
    reasons = [
        PARAMETER_WORDS.get(p, p) for p in sorted(changed_parameters) if _references(new_props, p)
    ]
    reasons += [
        k for k in changed if k not in {_parameter_property(after, p) for p in changed_parameters}
    ]
    if not changed:
        settings = {k: v for k, v in before.items() if k != "Properties"}
        if settings == {k: v for k, v in after.items() if k != "Properties"}:
            return None
        reasons = ["settings"]
    action: ChangeAction = "replace" if REPLACED_BY.get(kind, set()) & set(changed) else "modify"
    return Change(action, logical_id, kind, owner, ", ".join(reasons))


def _references(value: Any, parameter: str) -> bool:
    if isinstance(value, dict):
        return value.get("Ref") == parameter or any(
            _references(v, parameter) for v in value.values()
        )
    if isinstance(value, list):
        return any(_references(v, parameter) for v in value)
    return False


def _parameter_property(resource: Any, parameter: str) -> str:
    """The top-level property of `resource` that references `parameter` ("Code", "Content")."""
    for key, value in resource.get("Properties", {}).items():
        if _references(value, parameter):
            return str(key)
    return ""


def permission_changes(old: dict[str, Any], new: dict[str, Any]) -> list[PermissionChange]:
    """Per function, the grants its role gains and loses (from the roles' recorded grants)."""

    def grants(template: dict[str, Any]) -> dict[str, set[str]]:
        result: dict[str, set[str]] = {}
        for resource in template.get("Resources", {}).values():
            owner = resource.get("Metadata", {}).get("tether", {})
            if owner.get("part") == "role":
                result[owner["function"]] = set(owner.get("grants", []))
        return result

    before, after = grants(old), grants(new)
    changes = []
    for function in sorted(set(before) | set(after)):
        added = tuple(sorted(after.get(function, set()) - before.get(function, set())))
        removed = tuple(sorted(before.get(function, set()) - after.get(function, set())))
        if added or removed:
            changes.append(PermissionChange(function, added, removed))
    return changes


def _data_risks(
    cloud: Cloud, project: Project, deployed: DeployedStack, changes: list[Change], delete: set[str]
) -> list[DataRisk]:
    risks = []
    for change in changes:
        if change.action not in {"remove", "replace"} or change.resource_type not in DATA_TYPES:
            continue
        before = deployed.flat_template["Resources"][change.logical_id]
        name = owner_resource(before) or change.logical_id
        physical = deployed.physical_ids.get(change.logical_id)
        if physical is None:
            continue
        holds = holds_data(cloud, change.resource_type, physical)
        policy = before.get(
            "DeletionPolicy" if change.action == "remove" else "UpdateReplacePolicy"
        )
        # A Retain that Tether set for a deploy that then failed is not the user's choice.
        chosen_retain = policy == "Retain" and not kept_by_tether(before)
        now = project.resources.get(name)
        decision: Decision
        if holds is None:
            if chosen_retain:
                continue  # kept in the account, and empty: nothing to decide
            decision = "empty"
        elif name in delete:
            decision = "delete"
        elif chosen_retain:
            decision = "retain"
        elif change.action == "remove" and now is not None and now.is_external:
            decision = "external"
        else:
            decision = "blocked"
        risks.append(
            DataRisk(
                resource=name,
                type_name=DATA_TYPES[change.resource_type],
                logical_id=change.logical_id,
                physical_id=physical,
                holds=holds or "",
                action=change.action,
                decision=decision,
            )
        )
    return risks


KEPT_BY_TETHER = "kept_by_tether"  # in Metadata.tether of a resource Tether marked Retain


def kept_by_tether(resource: dict[str, Any]) -> bool:
    """Whether the resource's Retain policy is Tether's own (set for the deploy removing it)."""
    return bool(resource.get("Metadata", {}).get("tether", {}).get(KEPT_BY_TETHER))


def recheck(
    cloud: Cloud, project: Project, plan: Plan, deployed: DeployedStack | None
) -> tuple[DataRisk, ...]:
    """The plan's removals and replacements whose data the user has not chosen to lose, checked
    again now: data written while the plan was on screen (or since) must stop the deploy.
    Called right before anything is deleted; returns what would be lost (empty: go on)."""
    if deployed is None or not plan.exists:
        return ()
    chosen = {r.resource for r in plan.risks if r.decision == "delete"}
    risks = _data_risks(cloud, project, deployed, list(plan.changes), chosen)
    return tuple(r for r in risks if r.decision == "blocked")


class NameTakenError(TetherError):
    """A resource the deploy would create already exists under its fixed name."""


def _refuse_taken_names(
    cloud: Cloud, changes: list[Change], template: dict[str, Any], project_file: str
) -> None:
    """Buckets have fixed names: one that is still in the account (kept by `retain: true` when
    it left the project, then added back) would make the create fail and the deploy roll back
    with an obscure BucketAlreadyExists. Say what it is and how to go on, before anything runs."""
    resources = template.get("Resources", {})
    taken = []
    for change in changes:
        if change.action != "add" or change.resource_type != "AWS::S3::Bucket":
            continue
        resource = resources[change.logical_id]
        name = _resolve(resource.get("Properties", {}).get("BucketName"), cloud)
        if name and bucket_exists(cloud, name):
            taken.append((owner_resource(resource) or change.logical_id, name))
    if taken:
        lines = "\n".join(f"  - bucket {r}: {name}" for r, name in taken)
        first_resource, first_name = taken[0]
        raise NameTakenError(
            f"cannot create {count(len(taken), 'bucket')}: the name is "
            f"already taken (kept in the account by `retain: true` when it left the project?); "
            f"nothing was changed\n{lines}",
            hint=f"adopt it: give the resource `external: {first_name}` in {project_file}"
            f" (the project keeps using it and its data, and never deletes it), or delete it "
            f"(`aws s3 rb s3://{first_name} --force`) and deploy again to create {first_resource} "
            "empty",
        )


def _resolve(value: Any, cloud: Cloud) -> str | None:
    """A bucket name as synth writes it: a string, or a Fn::Sub of account and region."""
    if isinstance(value, str):
        return value
    pattern = value.get("Fn::Sub") if isinstance(value, dict) else None
    if isinstance(pattern, str):
        return pattern.replace("${AWS::AccountId}", cloud.account_id()).replace(
            "${AWS::Region}", cloud.region
        )
    return None
