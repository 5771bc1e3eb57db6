"""Failed creates and updates roll back instead of stopping half-way; change sets do the same.

Hooks: `CloudFormationBackend.create_stack` and `create_change_set` first reject templates
CloudFormation rejects up front (undefined references, circular dependencies). Then moto's
`Stack.create_resources`, `Stack.update` and `CloudFormationBackend.execute_change_set` are
routed through the stack engine (`engine`), which orders the resources, records per-resource
events and undoes a failed operation (ROLLBACK_COMPLETE after a failed create,
UPDATE_ROLLBACK_COMPLETE after a failed update).
`ResourceMap.validate_outputs` is replaced by a version that tolerates an output reading a
resource type the local cloud cannot create: that resource then fails at creation with a
CREATE_FAILED event, instead of CreateStack failing with HTTP 500 (moto calls a method on None).
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnsupportedAttribute, ValidationError
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
from moto.cloudformation.parsing import ResourceMap

from tether.localcloud._patching import original, replace
from tether.localcloud.cloudformation import engine


def _create_stack(self: CloudFormationBackend, name: str, template: str, **kwargs: Any) -> Stack:
    # Reject what CloudFormation rejects up front before moto registers the stack, so a bad
    # template is a ValidationError and not a stack stuck in CREATE_IN_PROGRESS.
    engine.check_template(template)
    stack: Stack = original(CloudFormationBackend, "create_stack")(self, name, template, **kwargs)
    return stack


def _create_change_set(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
    template = kwargs.get("template", args[2] if len(args) > 2 else None)
    if template:
        engine.check_template(template)
    return original(CloudFormationBackend, "create_change_set")(self, *args, **kwargs)


def _create_resources(self: Stack) -> None:
    engine.create(self)


def _update(
    self: Stack,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    engine.update(self, template, parameters=parameters, role_arn=role_arn, tags=tags)


def find_change_set(
    backend: CloudFormationBackend, change_set_name: str, stack_name: str | None
) -> ChangeSet:
    """A change set by ARN, or by name (within `stack_name` when given)."""
    if change_set_name in backend.change_sets:
        return backend.change_sets[change_set_name]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name == change_set_name and (
            not stack_name or stack_name in (change_set.stack_name, change_set.stack_id)
        ):
            return change_set
    raise ValidationError(message=f"ChangeSet [{change_set_name}] does not exist")


def _execute_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> None:
    engine.execute_change_set(self, find_change_set(self, change_set_name, stack_name))


def _validate_outputs(self: ResourceMap) -> None:
    """moto's output check (GetAtt of a known attribute of a defined resource), minus the crash."""
    for output in (self._template.get("Outputs") or {}).values():
        if "Condition" in output and not self.lazy_condition_map[output["Condition"]]:
            continue
        value = output.get("Value")
        if not isinstance(value, dict) or "Fn::GetAtt" not in value:
            continue
        target = value["Fn::GetAtt"]
        name, attribute = target if isinstance(target, list) else str(target).split(".", 1)
        resource = self._resource_json_map.get(name)
        unresolved = resource is None or (
            "Condition" in resource and not self.lazy_condition_map[resource["Condition"]]
        )
        if unresolved:
            raise ValidationError(
                message=f"Unresolved resource dependencies [{name}] in the Outputs block of "
                "the template"
            )
        assert resource is not None
        model = parsing.get_model_map().get(str(resource.get("Type")))
        if model is not None and not model.has_cfn_attr(attribute):
            resource_type = str(resource["Type"])
            raise UnsupportedAttribute(resource=resource_type.rsplit(":", 1)[-1], attr=attribute)


def install() -> None:
    replace(CloudFormationBackend, "create_stack", _create_stack)
    replace(CloudFormationBackend, "create_change_set", _create_change_set)
    replace(Stack, "create_resources", _create_resources)
    replace(Stack, "update", _update)
    replace(CloudFormationBackend, "execute_change_set", _execute_change_set)
    replace(ResourceMap, "validate_outputs", _validate_outputs)
