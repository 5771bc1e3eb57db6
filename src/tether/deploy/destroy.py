"""`tether destroy`: remove a stage's stack, with the same data-loss protection as a deploy.

External resources are never in the stack, so they are never touched. A bucket, table or queue
that holds data is deleted only when the user says so (`--delete NAME`); one deployed with
`retain: true` stays in the account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tether.deploy.data import DATA_TYPES, empty_bucket, holds_data
from tether.deploy.execute import Progress, destroy_stack
from tether.deploy.pipeline import AbortedError, open_target
from tether.deploy.plan import DataLossError, DataRisk
from tether.deploy.stack import DeployedStack, owner_resource, read_stack
from tether.deploy.state import clear_state, stage_lock
from tether.errors import TetherError
from tether.model import Project


def destroy(
    project: Project,
    *,
    stage: str,
    target: str,
    delete: Iterable[str] = (),
    confirm: Callable[[DeployedStack, list[DataRisk]], bool] = lambda stack, risks: True,
    progress: Progress | None = None,
) -> DeployedStack:
    """Delete the stage's stack; return what was deployed."""
    delete = set(delete)
    with stage_lock(project.root, stage):
        cloud = open_target(project, target)
        deployed = read_stack(cloud, project.stack_name(stage))
        if deployed is None:
            raise TetherError(
                f"stage '{stage}' has no stack on {cloud.where()}",
                hint="nothing to destroy; `tether outputs` shows what is deployed",
            )
        risks = []
        for logical_id, resource in deployed.template.get("Resources", {}).items():
            if resource.get("Type") not in DATA_TYPES or resource.get("DeletionPolicy") == "Retain":
                continue
            physical = deployed.physical_ids.get(logical_id)
            holds = holds_data(cloud, resource["Type"], physical) if physical else None
            if holds is None or physical is None:
                continue
            name = owner_resource(resource) or logical_id
            risks.append(
                DataRisk(
                    resource=name,
                    type_name=DATA_TYPES[resource["Type"]],
                    logical_id=logical_id,
                    physical_id=physical,
                    holds=holds,
                    action="remove",
                    decision="delete" if name in delete else "blocked",
                )
            )
        blocked = [r for r in risks if r.decision == "blocked"]
        if blocked:
            raise DataLossError(blocked)
        if not confirm(deployed, risks):
            raise AbortedError("destroy cancelled; nothing was changed")
        for risk in risks:
            if risk.type_name == "s3.bucket":
                empty_bucket(cloud, risk.physical_id)
        destroy_stack(cloud, deployed.name, progress=progress, template=deployed.template)
        clear_state(project.root, stage)
    return deployed
