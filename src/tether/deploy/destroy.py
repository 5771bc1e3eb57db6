"""`tether destroy`: remove a stage's stack, with the same data-loss protection as a deploy.

External resources are never in the stack, so they are never touched. A bucket, table or queue
that holds data is deleted only when the user says so (`--delete NAME`), checked again after the
confirmation; one deployed with `retain: true` stays in the account. Every bucket, table and
queue is kept by the stack's deletion and deleted only once it has succeeded: if chosen, or if
it is empty then. The confirmation is shown each bucket, table and queue of the stack and what
becomes of it; a refusal names the stack and each resource whose data it would delete.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tether.cloud import Cloud
from tether.deploy.data import CFN_TYPES, DATA_TYPES, holds_data
from tether.deploy.execute import Progress, destroy_stack, finish, mark_retained
from tether.deploy.journal import clear_journal
from tether.deploy.pipeline import AbortedError, open_target
from tether.deploy.plan import DataLossError, DataRisk, Decision, kept_by_tether
from tether.deploy.stack import DeployedStack, owner_resource, read_stack
from tether.deploy.state import clear_state, stage_lock
from tether.errors import TetherError
from tether.model import Project


class DestroyWouldLoseData(DataLossError):
    """The stack's deletion would delete data the user has not chosen to delete; names the
    stack and each resource holding data (a deploy's wording is about the deploy)."""

    def __init__(self, stack: str, risks: Iterable[DataRisk], *, since_confirm: bool = False):
        super().__init__(risks, since_plan=since_confirm)
        lines = "\n".join(
            f"  - {r.type_name} {r.resource} ({r.physical_id}) {r.holds}" for r in self.risks
        )
        when = " (written while destroy waited for confirmation)" if since_confirm else ""
        self.message = (
            f"stopped: destroying stack {stack} would delete data{when}; nothing was deleted\n"
            f"{lines}"
        )
        self.args = (self.message,)


@dataclass(frozen=True)
class Destroyed:
    stack: DeployedStack  # what was deployed
    notes: tuple[str, ...]  # buckets chosen for deletion that could not be deleted


def destroy(
    project: Project,
    *,
    stage: str,
    target: str,
    delete: Iterable[str] = (),
    confirm: Callable[[DeployedStack, list[DataRisk]], bool] = lambda stack, risks: True,
    progress: Progress | None = None,
) -> Destroyed:
    """Delete the stage's stack; return what was deployed, and what could not be cleaned up.

    `confirm` is shown every bucket, table and queue of the stack: deleted with the data the
    user chose to lose (decision "delete"), deleted because empty ("empty"), or kept in the
    account by `retain: true` ("retain")."""
    delete = set(delete)
    with stage_lock(project.root, stage):
        cloud = open_target(project, target, start=True)
        deployed = read_stack(cloud, project.stack_name(stage))
        if deployed is None:
            raise TetherError(
                f"stage '{stage}' has no stack on {cloud.where()}",
                hint="nothing to destroy; `tether outputs` shows what is deployed",
            )
        risks = _risks(cloud, deployed, delete)
        blocked = [r for r in risks if r.decision == "blocked"]
        if blocked:
            raise DestroyWouldLoseData(deployed.name, blocked)
        if not confirm(deployed, [*risks, *_retained(deployed)]):
            raise AbortedError("destroy cancelled; nothing was changed")
        # Data written while the question was on screen counts too.
        late = [r for r in _risks(cloud, deployed, delete) if r.decision == "blocked"]
        if late:
            raise DestroyWouldLoseData(deployed.name, late, since_confirm=True)
        if risks:
            # Kept by the stack's deletion; deleted once it has succeeded, if chosen or empty.
            mark_retained(cloud, deployed, [r.logical_id for r in risks])
        destroy_stack(cloud, deployed.name, progress=progress, template=deployed.template)
        clear_state(project.root, stage)
        clear_journal(project.root, stage)
        notes = finish(cloud, risks)
    return Destroyed(deployed, tuple(notes))


def _risks(cloud: Cloud, deployed: DeployedStack, delete: set[str]) -> list[DataRisk]:
    """Every bucket, table and queue the stack's deletion would delete (not those the user
    keeps with `retain: true`): chosen for deletion, blocked (holds data), or empty."""
    risks = []
    for risk in _data_resources(deployed):
        if risk.decision == "retain":
            continue
        holds = holds_data(cloud, CFN_TYPES[risk.type_name], risk.physical_id)
        decision: Decision = (
            "delete" if risk.resource in delete else "empty" if holds is None else "blocked"
        )
        risks.append(dataclasses.replace(risk, holds=holds or "", decision=decision))
    return risks


def _retained(deployed: DeployedStack) -> list[DataRisk]:
    """The buckets, tables and queues the user keeps with `retain: true`: the stack's deletion
    leaves them in the account."""
    return [r for r in _data_resources(deployed) if r.decision == "retain"]


def _data_resources(deployed: DeployedStack) -> list[DataRisk]:
    """The stack's buckets, tables and queues, each decided "retain" (kept by `retain: true`)
    or, until its data is looked at, "empty"."""
    found = []
    for logical_id, resource in deployed.template.get("Resources", {}).items():
        physical = deployed.physical_ids.get(logical_id)
        if resource.get("Type") not in DATA_TYPES or physical is None:
            continue
        retained = resource.get("DeletionPolicy") == "Retain" and not kept_by_tether(resource)
        found.append(
            DataRisk(
                resource=owner_resource(resource) or logical_id,
                type_name=DATA_TYPES[resource["Type"]],
                logical_id=logical_id,
                physical_id=physical,
                holds="",
                action="remove",
                decision="retain" if retained else "empty",
            )
        )
    return found
