"""Nested stacks (`AWS::CloudFormation::Stack`) in the local cloud, run as CloudFormation runs
them.

moto's own model names a nested stack by its logical ID alone (two stages with the same nested
stack collide), gives the name as its physical ID (AWS gives the stack's ARN), replaces the
whole nested stack on any update (deleting and re-creating every resource in it), and reads
templates from S3 without CloudFormation's quotas. This model, registered in its place:

- create: reads the template from the artifact bucket (TemplateURL), refused over the quotas
  CloudFormation sets on any template (1 MB, 500 resources, 200 outputs, 200 parameters:
  `tether.localcloud.limits`), and creates the stack `<root>-<logical ID>-<13 characters>` with
  the stack engine; a nested stack that fails to create is deleted again and fails the root's
  resource with its reason, so the root rolls back;
- update: in place, through the stack engine (which rolls the nested stack back on failure,
  and then fails the root's resource, so the root rolls back and restores it);
- delete: through the stack engine (DeletionPolicy honoured; a failed delete fails the root's);
- `Ref` is the stack's ID, `Fn::GetAtt Stack.Outputs.<name>` one of its outputs.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.cloudformation.models import Stack, cloudformation_backends
from moto.cloudformation.utils import get_stack_from_s3_url
from moto.core.common_models import CloudFormationModel
from moto.utilities.utils import get_partition

from tether.localcloud import limits
from tether.localcloud._patching import register_model
from tether.localcloud.cloudformation import engine, template_parse

OUTPUTS = "Outputs."


class NestedStackFailed(Exception):
    """The nested stack could not be created, updated or deleted; its stack says why."""


class NestedStack(CloudFormationModel):
    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFormation::Stack"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr.startswith(OUTPUTS)

    def get_cfn_attribute(self, attribute_name: str) -> str:
        key = attribute_name.removeprefix(OUTPUTS)
        for output in self.stack.outputs or []:
            if output["OutputKey"] == key:
                return str(output["OutputValue"])
        raise UnformattedGetAttTemplateException()

    @property
    def physical_resource_id(self) -> str:
        return str(self.stack.stack_id)

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> NestedStack:
        properties = cloudformation_json.get("Properties") or {}
        body = _template(properties, account_id, region_name)
        backend = cloudformation_backends[account_id][region_name]
        stack: Stack = backend.create_stack(
            name=resource_name, template=body, parameters=_parameters(properties)
        )
        if stack.status != "CREATE_COMPLETE":
            reason = _reason(stack)
            backend.delete_stack(stack.stack_id)
            raise NestedStackFailed(
                f"Embedded stack {stack.stack_id} was not successfully created: {reason}"
            )
        return cls(stack)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: NestedStack,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> NestedStack:
        properties = cloudformation_json.get("Properties") or {}
        body = _template(properties, account_id, region_name)
        stack = original_resource.stack
        engine.update(stack, body, parameters=_parameters(properties))
        if stack.status != "UPDATE_COMPLETE":
            raise NestedStackFailed(
                f"Embedded stack {stack.stack_id} was not successfully updated: {_reason(stack)}"
            )
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        backend = cloudformation_backends[account_id][region_name]
        for stack in list(backend.stacks.values()):
            if resource_name in (stack.stack_id, stack.name):
                cls(stack).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = cloudformation_backends[account_id][region_name]
        if self.stack.stack_id not in backend.stacks:
            return  # gone already
        backend.delete_stack(self.stack.stack_id)
        if self.stack.status != "DELETE_COMPLETE":
            raise NestedStackFailed(
                f"Embedded stack {self.stack.stack_id} was not successfully deleted: "
                + _reason(self.stack)
            )


def _template(properties: dict[str, Any], account_id: str, region_name: str) -> str:
    """The nested stack's template from the bucket, refused as CloudFormation refuses it."""
    url = properties.get("TemplateURL")
    if not url:
        raise KeyError("TemplateURL")
    partition = get_partition(region_name)
    body = str(get_stack_from_s3_url(url, account_id=account_id, partition=partition))
    parsed = template_parse.parse(body)
    refusal = limits.template_url(body) or (
        limits.template_counts(parsed) if isinstance(parsed, dict) else None
    )
    if refusal is not None:
        raise ValidationError(message=refusal.message)
    return body


def _parameters(properties: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (properties.get("Parameters") or {}).items()}


def _reason(stack: Stack) -> str:
    """Why a nested stack failed: its first failed resource's reason, as AWS reports it."""
    for event in stack.events:
        if str(event.resource_status).endswith("_FAILED") and event.resource_status_reason:
            return f"{event.logical_resource_id}: {event.resource_status_reason}"
    return str(stack.status)


def install() -> None:
    register_model(NestedStack)
