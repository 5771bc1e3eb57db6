"""What is deployed now: a stack's status, template, parameters, outputs and physical IDs.

Read once per plan; everything else in the deploy works from this snapshot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tether.cloud import Cloud
from tether.errors import TetherError

# A stack in one of these states has no usable resources: a failed first create.
DEAD_STATES = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_COMPLETE", "REVIEW_IN_PROGRESS"}


@dataclass(frozen=True)
class DeployedStack:
    name: str
    status: str
    template: dict[str, Any]
    parameters: dict[str, str]
    outputs: dict[str, str]
    physical_ids: dict[str, str] = field(default_factory=dict)

    @property
    def alive(self) -> bool:
        return self.status not in DEAD_STATES

    @property
    def busy(self) -> bool:
        return self.status.endswith("_IN_PROGRESS") and self.status != "REVIEW_IN_PROGRESS"


def read_stack(cloud: Cloud, name: str) -> DeployedStack | None:
    """The deployed stack `name`, or None when there is none."""
    cfn = cloud.client("cloudformation")
    with cloud.guard():
        try:
            stacks = cfn.describe_stacks(StackName=name)["Stacks"]
        except cfn.exceptions.ClientError as exc:
            if "does not exist" in str(exc):
                return None
            raise
        if not stacks:
            return None
        stack = stacks[0]
        status = stack["StackStatus"]
        template: dict[str, Any] = {}
        physical: dict[str, str] = {}
        if status not in {"DELETE_COMPLETE", "REVIEW_IN_PROGRESS"}:
            body = cfn.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
            try:
                template = json.loads(body) if isinstance(body, str) else dict(body)
            except ValueError:
                raise TetherError(
                    f"a stack named {name} exists, but its template is not one Tether wrote",
                    hint="deploy this stage under another name (`--stage`), or remove that "
                    "stack if it is not in use",
                ) from None
            for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
                for resource in page["StackResourceSummaries"]:
                    if resource.get("PhysicalResourceId"):
                        physical[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return DeployedStack(
        name=name,
        status=status,
        template=template,
        parameters={
            p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
        },
        outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        physical_ids=physical,
    )


def owner_words(resource: dict[str, Any], logical_id: str) -> str:
    """How a template resource reads to the user: 'bucket uploads', 'function resize (role)',
    'trigger uploads -> resize'. Falls back to the logical ID for anything Tether did not tag."""
    owner = resource.get("Metadata", {}).get("tether", {})
    if "trigger" in owner:
        return f"trigger {owner['trigger']} -> {owner['function']}"
    if "function" in owner:
        part = owner.get("part", "function")
        return f"function {owner['function']}" + ("" if part == "function" else f" ({part})")
    if "resource" in owner:
        kind = KIND_WORDS.get(resource.get("Type", ""), "resource")
        part = f" ({owner['part']})" if "part" in owner else ""
        return f"{kind} {owner['resource']}{part}"
    return logical_id


def owner_resource(resource: dict[str, Any]) -> str | None:
    """The project resource name a template resource belongs to, if it is one."""
    owner = resource.get("Metadata", {}).get("tether", {})
    name = owner.get("resource") if "function" not in owner else None
    return str(name) if name else None


KIND_WORDS = {
    "AWS::S3::Bucket": "bucket",
    "AWS::DynamoDB::Table": "table",
    "AWS::SNS::Topic": "topic",
    "AWS::SQS::Queue": "queue",
    "AWS::Events::Rule": "schedule",
    "AWS::ApiGatewayV2::Api": "http api",
    "AWS::ApiGatewayV2::Stage": "http api stage of",
    "AWS::Lambda::LayerVersion": "dependency layer from",
}
