"""`tether destroy`: remove a stage's stack, with the same data-loss protection as a deploy.

External resources are never in the stack, so they are never touched. A bucket, table or queue
that holds data is deleted only when the user says so (`--delete NAME`), checked again after the
confirmation; one deployed with `retain: true` stays in the account. Every bucket, table and
queue is kept by the stack's deletion and deleted only once it has succeeded: if chosen, or if
it is empty then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tether.cloud import Cloud
from tether.deploy.data import DATA_TYPES, holds_data
from tether.deploy.execute import Progress, destroy_stack, finish, mark_retained
from tether.deploy.journal import clear_journal
from tether.deploy.pipeline import AbortedError, open_target
from tether.deploy.plan import DataLossError, DataRisk, kept_by_tether
from tether.deploy.stack import DeployedStack, owner_resource, read_stack
from tether.deploy.state import clear_state, stage_lock
from tether.errors import TetherError
from tether.model import Project


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
    """Delete the stage's stack; return what was deployed, and what could not be cleaned up."""
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
            raise DataLossError(blocked)
        if not confirm(deployed, [r for r in risks if r.decision == "delete"]):
            raise AbortedError("destroy cancelled; nothing was changed")
        # Data written while the question was on screen counts too.
        late = [r for r in _risks(cloud, deployed, delete) if r.decision == "blocked"]
        if late:
            raise DataLossError(late, since_plan=True)
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
    for logical_id, resource in deployed.template.get("Resources", {}).items():
        if resource.get("Type") not in DATA_TYPES:
            continue
        if resource.get("DeletionPolicy") == "Retain" and not kept_by_tether(resource):
            continue
        physical = deployed.physical_ids.get(logical_id)
        if physical is None:
            continue
        holds = holds_data(cloud, resource["Type"], physical)
        name = owner_resource(resource) or logical_id
        decision = "delete" if name in delete else "empty" if holds is None else "blocked"
        risks.append(
            DataRisk(
                resource=name,
                type_name=DATA_TYPES[resource["Type"]],
                logical_id=logical_id,
                physical_id=physical,
                holds=holds or "",
                action="remove",
                decision=decision,
            )
        )
    return risks
