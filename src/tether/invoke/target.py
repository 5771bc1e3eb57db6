"""What the invoke tools need to know about a deployed stage: its cloud, the functions' real
names and the resources' real names, ARNs and URLs (from the live stack's outputs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tether.errors import TetherError

if TYPE_CHECKING:  # the cloud (boto3) is imported when a stage is opened, not with this module
    from tether.cloud import Cloud
    from tether.model import Function, Project


@dataclass(frozen=True)
class Deployed:
    project: Project
    stage: str
    cloud: Cloud
    outputs: dict[str, str]

    def function(self, name: str) -> Function:
        if name not in self.project.functions:
            known = ", ".join(self.project.functions) or "none"
            raise TetherError(
                f"no function '{name}' in {self.project.file}", hint=f"functions: {known}"
            )
        return self.project.functions[name]

    def function_name(self, name: str) -> str:
        return self.project.function_name(self.stage, self.function(name).name)

    def output(self, resource: str, suffix: str) -> str:
        """A resource's deployed name/ARN/URL: output `<LogicalId><suffix>`, or an external's own."""
        if resource not in self.project.resources:
            raise TetherError(
                f"no resource '{resource}' in {self.project.file}", hint="check the name"
            )
        declared = self.project.resources[resource]
        key = f"{declared.logical_id}{suffix}"
        if key in self.outputs:
            return self.outputs[key]
        if declared.external:
            return declared.external_name if suffix in {"Name", "Url"} else declared.external
        raise TetherError(
            f"resource '{resource}' has no deployed {suffix}", hint="deploy the stage first"
        )


def deployed_stage(project: Project, *, stage: str, target: str) -> Deployed:
    from tether.deploy.pipeline import open_target
    from tether.deploy.stack import read_stack

    cloud = open_target(project, target, stage=stage)
    stack = read_stack(cloud, project.stack_name(stage))
    if stack is None or not stack.alive:
        raise TetherError(
            f"stage '{stage}' is not deployed on {cloud.where()}",
            hint=f"run `tether deploy --stage {stage}` first",
        )
    return Deployed(project=project, stage=stage, cloud=cloud, outputs=stack.outputs)
