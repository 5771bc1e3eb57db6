"""What is deployed now: a stack's status, template, parameters, outputs and physical IDs.

Read once per plan; everything else in the deploy works from this snapshot. A split project's
stage is a root stack with nested stacks (`tether.synth.nesting`): they are read too, through
the root's resources of type AWS::CloudFormation::Stack, so the outputs (function ARNs live in
the nested stacks) and physical IDs are the whole stage's, and `flat_template` is the one
template a plan compares with, whichever way the stage is split.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tether.cloud import Cloud
from tether.deploy.data import DATA_TYPES
from tether.errors import TetherError
from tether.synth.nesting import NESTED_STACK, flatten

# A stack in one of these states has no usable resources: a failed first create.
DEAD_STATES = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_COMPLETE", "REVIEW_IN_PROGRESS"}


@dataclass(frozen=True)
class DeployedStack:
    name: str
    status: str
    template: dict[str, Any]
    parameters: dict[str, str]
    outputs: dict[str, str]  # the root's and its nested stacks'
    # The root's, and those of nested stacks holding a bucket, table or queue (none do)
    physical_ids: dict[str, str] = field(default_factory=dict)
    nested: dict[str, dict[str, Any]] = field(default_factory=dict)  # logical ID -> template

    @cached_property
    def flat_template(self) -> dict[str, Any]:
        """The stage as one template (the root's own, unless it has nested stacks), made once
        per stack read."""
        return flatten(self.template, self.nested)

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
            physical = _physical_ids(cloud, name)
        outputs = _outputs(stack)
        nested: dict[str, dict[str, Any]] = {}
        for logical_id, resource in template.get("Resources", {}).items():
            if resource.get("Type") == NESTED_STACK and logical_id in physical:
                child = _read_nested(cloud, physical[logical_id])
                if child is not None:
                    nested[logical_id], child_outputs, child_ids = child
                    outputs.update(child_outputs)
                    physical.update(child_ids)
    return DeployedStack(
        name=name,
        status=status,
        template=template,
        parameters={
            p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
        },
        outputs=outputs,
        physical_ids=physical,
        nested=nested,
    )


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in stack.get("Outputs") or []}


def _physical_ids(cloud: Cloud, stack: str) -> dict[str, str]:
    found: dict[str, str] = {}
    pages = cloud.client("cloudformation").get_paginator("list_stack_resources")
    for page in pages.paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            if resource.get("PhysicalResourceId"):
                found[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return found


def _read_nested(
    cloud: Cloud, stack_id: str
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]] | None:
    """A nested stack's template, outputs and physical IDs (None once it is gone)."""
    cfn = cloud.client("cloudformation")
    try:
        stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    except cfn.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    if stack["StackStatus"] == "DELETE_COMPLETE":
        return None
    body = cfn.get_template(StackName=stack_id, TemplateStage="Original")["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else dict(body)
    # Physical IDs are read for what may hold data (the plan checks it before deleting it).
    # Synth keeps buckets, tables and queues in the root, so the nested stacks of functions
    # are not listed (each a ListStackResources of hundreds of resources).
    holds_data = any(
        resource.get("Type") in DATA_TYPES for resource in template.get("Resources", {}).values()
    )
    return template, _outputs(stack), _physical_ids(cloud, stack_id) if holds_data else {}


def stage_outputs(cloud: Cloud, stack: dict[str, Any]) -> dict[str, str]:
    """The outputs of a described root stack and of its nested stacks (a split project's
    function ARNs are outputs of the nested stacks holding them)."""
    outputs = _outputs(stack)
    cfn = cloud.client("cloudformation")
    with cloud.guard():
        pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack["StackId"])
        for page in pages:
            for resource in page["StackResourceSummaries"]:
                if resource.get("ResourceType") == NESTED_STACK and resource.get(
                    "PhysicalResourceId"
                ):
                    child = cfn.describe_stacks(StackName=resource["PhysicalResourceId"])
                    outputs.update(_outputs(child["Stacks"][0]))
    return outputs


def owner_words(resource: dict[str, Any], logical_id: str) -> str:
    """How a template resource reads to the user: 'bucket uploads', 'function resize (role)',
    'trigger uploads -> resize'. Falls back to the logical ID for anything Tether did not tag."""
    owner = resource.get("Metadata", {}).get("tether", {})
    if "functions" in owner:
        return f"nested stack of {len(owner['functions'])} functions"
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
