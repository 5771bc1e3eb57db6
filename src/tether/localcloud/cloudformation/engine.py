"""The local cloud's stack engine: CloudFormation create, update and delete on moto's models.

moto's own engine creates resources lazily, deletes before it creates on update, stops at the
first error (leaving the stack IN_PROGRESS and half-changed) and never rolls back. This engine
keeps moto's ResourceMap, which resolves Ref/GetAtt/Sub and calls each model's
create/update/delete, but decides the order, records per-resource events and undoes a failed
operation the way CloudFormation does:

- create: resources in dependency order; on failure, what was created is deleted again
  (ROLLBACK_COMPLETE).
- update: additions and modifications in dependency order, then a cleanup phase that deletes
  removed resources and the old copies of replaced ones; on failure every change is undone in
  reverse and the previous template is restored (UPDATE_ROLLBACK_COMPLETE).
- delete: reverse dependency order (DELETE_COMPLETE, or DELETE_FAILED naming the resource).

`DeletionPolicy: Retain` keeps a resource when a delete, an update or a rollback would remove
it; `UpdateReplacePolicy: Retain` keeps the old copy of a replaced resource. A resource is
modified (not replaced) unless its name property changes, its type changes, or its moto model
cannot update in place.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
from moto.cloudformation.parsing import OutputMap, ResourceMap

from tether.localcloud.cloudformation import template_parse
from tether.localcloud.cloudformation.policies import (
    Removal,
    needs_replacement,
    retains,
    unsupported_reason,
)
from tether.localcloud.cloudformation.stack_events import (
    failure_reason,
    physical_id,
    resource_event,
    stack_event,
)
from tether.localcloud.cloudformation.template_graph import (
    CircularDependencyError,
    creation_order,
    deletion_order,
    unresolved,
)

# One stack operation at a time: moto's backends are plain dicts, not thread-safe, and the
# server answers requests on several threads.
LOCK = threading.RLock()

REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."


class InvalidChangeSetStatus(CloudFormationError):
    """The change set cannot be executed (it holds no changes, or ran already)."""

    code = "InvalidChangeSetStatus"


class ResourceFailed(Exception):
    """One resource could not be created or updated; the operation must roll back."""

    def __init__(self, logical_id: str, action: str, reason: str) -> None:
        super().__init__(f"{logical_id}: {reason}")
        self.logical_id = logical_id
        self.action = action
        self.reason = reason


@dataclass
class _Change:
    """One applied step of an update, with what is needed to undo it."""

    kind: Literal["add", "modify", "replace"]
    logical_id: str
    new_body: dict[str, Any]
    new_props: dict[str, Any]
    old_body: dict[str, Any] = field(default_factory=dict)
    old_props: dict[str, Any] = field(default_factory=dict)
    old_resource: Any = None
    new_resource: Any = None


@dataclass
class _Snapshot:
    """The stack's template state before an update, to restore on rollback."""

    template: dict[str, Any]
    resources: dict[str, Any]
    input_parameters: dict[str, Any]
    properties: dict[str, Any]
    parsed: dict[str, Any]

    @classmethod
    def take(cls, stack: Stack) -> _Snapshot:
        rmap = stack.resource_map
        return cls(
            template=rmap._template,
            resources=rmap._resource_json_map,
            input_parameters=rmap.input_parameters,
            properties=dict(_ledger(stack)),
            parsed=dict(rmap._parsed_resources),
        )

    def restore(self, rmap: ResourceMap) -> None:
        rmap.input_parameters = self.input_parameters
        _load(rmap, self.template, None)


# ---------------------------------------------------------------------------------------------
# Entry points (called by the extensions that route moto's Stack methods here)


def check_template(template: str | dict[str, Any]) -> dict[str, Any]:
    """The parsed template, or ValidationError for what CloudFormation rejects up front:
    no Resources, references to undefined names, circular dependencies."""
    parsed = template_parse.parse(template) if isinstance(template, str) else template
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise ValidationError(
            message="Template format error: At least one Resources member must be defined."
        )
    missing = unresolved(parsed)
    if missing:
        raise ValidationError(
            message="Template format error: Unresolved resource dependencies "
            f"[{', '.join(missing)}] in the Resources block of the template"
        )
    try:
        creation_order(parsed["Resources"])
    except CircularDependencyError as exc:
        raise ValidationError(message=f"Template format error: {exc}") from exc
    return parsed


def create(stack: Stack) -> None:
    """Create every resource of `stack.template_dict`; roll back if one fails."""
    with LOCK:
        stack.status = "CREATE_IN_PROGRESS"
        rmap = stack.resource_map
        rmap.tags.update(
            {
                "aws:cloudformation:stack-name": stack.name,
                "aws:cloudformation:stack-id": stack.stack_id,
            }
        )
        _ledger(stack).clear()
        created: list[str] = []
        try:
            for logical_id in creation_order(rmap._resource_json_map):
                if _create_one(stack, logical_id):
                    created.append(logical_id)
        except CircularDependencyError as exc:
            _roll_back_create(stack, created, str(exc))
            return
        except ResourceFailed as failure:
            _roll_back_create(
                stack,
                created,
                f"The following resource(s) failed to create: [{failure.logical_id}]. "
                "Rollback requested by user.",
            )
            return
        stack.description = stack.template_dict.get("Description")
        stack_event(stack, "CREATE_COMPLETE")


def create_from_change_set(stack: Stack, change_set: ChangeSet) -> None:
    """Execute a CREATE change set: the stack (REVIEW_IN_PROGRESS) gets its first template."""
    with LOCK:
        stack.template = change_set.template
        stack._parse_template()
        stack.parameters = change_set.parameters
        stack.resource_map = stack._create_resource_map()
        stack.output_map = stack._create_output_map()
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        create(stack)


def update(
    stack: Stack,
    template: str,
    *,
    parameters: dict[str, Any] | None = None,
    role_arn: str | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Move `stack` to `template`; on any resource failure, back to where it was."""
    with LOCK:
        new_template = check_template(template)
        before = _Snapshot.take(stack)
        try:
            _load(stack.resource_map, new_template, parameters)
        except Exception:
            before.restore(stack.resource_map)
            raise
        order = creation_order(new_template["Resources"])

        stack_event(stack, "UPDATE_IN_PROGRESS", "User Initiated")
        changes: list[_Change] = []
        try:
            for logical_id in order:
                _update_one(stack, before, logical_id, changes)
        except ResourceFailed as failure:
            _roll_back_update(stack, before, changes, failure)
            return

        stack_event(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        _clean_up(stack, before, changes)
        stack.template = template
        stack.template_dict = new_template
        stack.description = new_template.get("Description")
        if parameters:
            stack.parameters = parameters
        stack.role_arn = role_arn
        if tags is not None:
            stack.tags = tags
        stack.output_map = stack._create_output_map()
        stack_event(stack, "UPDATE_COMPLETE")


def delete(stack: Stack) -> None:
    """Delete the stack's resources, dependents first; keep those with DeletionPolicy Retain."""
    with LOCK:
        stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
        rmap = stack.resource_map
        ledger = _ledger(stack)
        bodies = rmap._resource_json_map
        try:
            order = deletion_order(bodies)
        except CircularDependencyError:
            order = list(reversed(list(bodies)))
        failed: list[str] = []
        for logical_id in order:
            if logical_id not in rmap._parsed_resources:
                continue
            resource = rmap._parsed_resources[logical_id]
            props = ledger.get(logical_id, {})
            if _delete_one(stack, logical_id, resource, bodies[logical_id], props, "delete"):
                rmap._parsed_resources.pop(logical_id, None)
                ledger.pop(logical_id, None)
            else:
                failed.append(logical_id)
        # Only what still exists stays in the map: anything else would be re-created lazily by
        # moto the next time someone lists the stack's resources.
        rmap._resource_json_map = {name: bodies[name] for name in failed}
        if failed:
            stack_event(
                stack,
                "DELETE_FAILED",
                f"The following resource(s) failed to delete: [{', '.join(failed)}]. ",
            )
        else:
            # A deleted stack has no outputs (they would resolve against deleted resources).
            stack.output_map = OutputMap(rmap, {"Outputs": {}}, stack.stack_id)
            stack_event(stack, "DELETE_COMPLETE")


def execute_change_set(backend: CloudFormationBackend, change_set: ChangeSet) -> None:
    """Run a change set through the same create/update path as CreateStack/UpdateStack."""
    with LOCK:
        if change_set.execution_status != "AVAILABLE":
            raise InvalidChangeSetStatus(
                f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
                f"status of [{change_set.execution_status}]"
            )
        stack = backend.stacks[change_set.stack_id]
        if change_set.change_set_type == "CREATE":
            create_from_change_set(stack, change_set)
            succeeded = stack.status == "CREATE_COMPLETE"
        else:
            update(
                stack,
                change_set.template,
                parameters=change_set.parameters,
                role_arn=change_set.role_arn or stack.role_arn,
                tags=change_set.tags or None,
            )
            succeeded = stack.status == "UPDATE_COMPLETE"
        change_set.execution_status = "EXECUTE_COMPLETE" if succeeded else "EXECUTE_FAILED"
        # As on AWS, executing one change set makes the stack's other pending ones obsolete.
        for other in backend.change_sets.values():
            if (
                other is not change_set
                and other.stack_id == stack.stack_id
                and other.execution_status == "AVAILABLE"
            ):
                other.execution_status = "OBSOLETE"


# ---------------------------------------------------------------------------------------------
# Steps


def _ledger(stack: Stack) -> dict[str, Any]:
    """Resolved properties of each resource as last applied, to tell what an update changes.

    Comparing resolved values (not template text) also catches a resource whose template is
    unchanged but whose reference now points to a replaced resource.
    """
    ledger: dict[str, Any] | None = getattr(stack, "_tether_properties", None)
    if ledger is None:
        ledger = {}
        stack._tether_properties = ledger  # type: ignore[attr-defined]
    return ledger


def _load(rmap: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None) -> None:
    """Point moto's ResourceMap at `template`: mappings, parameters, conditions, resources."""
    rmap._template = template
    if parameters:
        rmap.input_parameters = parameters
    rmap.resolved_parameters = {}
    rmap.load_mapping()
    rmap.load_parameters()
    rmap.load_conditions()
    rmap._resource_json_map = template.get("Resources", {})
    rmap.validate_outputs()


def _enabled(rmap: ResourceMap, body: Mapping[str, Any]) -> bool:
    condition = body.get("Condition")
    return not condition or bool(rmap.lazy_condition_map[condition])


def _resolved(rmap: ResourceMap, body: Mapping[str, Any]) -> dict[str, Any]:
    props = parsing.clean_json(body.get("Properties") or {}, rmap)
    return props if isinstance(props, dict) else {}


def _create_one(stack: Stack, logical_id: str) -> bool:
    """Create one resource; False if its condition is false. Raises ResourceFailed."""
    rmap = stack.resource_map
    body = rmap._resource_json_map[logical_id]
    if not _enabled(rmap, body):
        return False
    resource_type = str(body.get("Type", ""))
    resource_event(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
    reason = unsupported_reason(resource_type)
    resource: Any = None
    if reason is None:
        try:
            resource = rmap[logical_id]  # moto resolves the properties and creates the resource
        except Exception as exc:
            reason = failure_reason(exc)
    if reason is not None:
        rmap._parsed_resources.pop(logical_id, None)
        resource_event(stack, logical_id, resource_type, "CREATE_FAILED", reason=reason)
        raise ResourceFailed(logical_id, "create", reason)
    _ledger(stack)[logical_id] = _resolved(rmap, body)
    resource_event(stack, logical_id, resource_type, "CREATE_COMPLETE", physical_id(resource))
    return True


def _delete_one(
    stack: Stack,
    logical_id: str,
    resource: Any,
    body: Mapping[str, Any],
    props: dict[str, Any],
    removal: Removal,
) -> bool:
    """Delete (or retain) one physical resource; False if deleting it failed."""
    if resource is None:
        return True
    resource_type = str(body.get("Type", ""))
    physical = physical_id(resource)
    if retains(body, removal):
        resource_event(stack, logical_id, resource_type, "DELETE_SKIPPED", physical)
        return True
    resource_event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical)
    try:
        # moto calls the resource's own delete(), or its model's delete_from_cloudformation_json
        # with the resolved properties (some models read ARNs from them).
        stack.resource_map._delete_resource(resource, {"Type": resource_type, "Properties": props})
    except Exception as exc:
        resource_event(
            stack, logical_id, resource_type, "DELETE_FAILED", physical, failure_reason(exc)
        )
        return False
    resource_event(stack, logical_id, resource_type, "DELETE_COMPLETE", physical)
    return True


def _roll_back_create(stack: Stack, created: list[str], reason: str) -> None:
    stack_event(stack, "ROLLBACK_IN_PROGRESS", reason)
    rmap = stack.resource_map
    ledger = _ledger(stack)
    bodies = rmap._resource_json_map
    failed: list[str] = []
    for logical_id in reversed(created):
        resource = rmap._parsed_resources.get(logical_id)
        props = ledger.get(logical_id, {})
        if _delete_one(stack, logical_id, resource, bodies[logical_id], props, "rollback"):
            rmap._parsed_resources.pop(logical_id, None)
            ledger.pop(logical_id, None)
        else:
            failed.append(logical_id)
    # A rolled-back stack holds no resources (only those that failed to delete) and no outputs.
    rmap._resource_json_map = {name: bodies[name] for name in failed}
    stack.output_map = OutputMap(rmap, {"Outputs": {}}, stack.stack_id)
    stack_event(stack, "ROLLBACK_FAILED" if failed else "ROLLBACK_COMPLETE")


def _update_one(stack: Stack, before: _Snapshot, logical_id: str, changes: list[_Change]) -> None:
    """Add, modify or replace one resource of the new template. Raises ResourceFailed."""
    rmap = stack.resource_map
    body = rmap._resource_json_map[logical_id]
    resource_type = str(body.get("Type", ""))
    if not _enabled(rmap, body) or resource_type in parsing.NULL_MODELS:
        return
    old_body = before.resources.get(logical_id)
    old_resource = before.parsed.get(logical_id)
    if old_body is None or old_resource is None:
        if _create_one(stack, logical_id):
            added = rmap._parsed_resources.get(logical_id)
            props = _ledger(stack)[logical_id]
            changes.append(_Change("add", logical_id, body, props, new_resource=added))
        return

    new_props = _resolved(rmap, body)
    old_props: dict[str, Any] = before.properties.get(logical_id, {})
    if resource_type == old_body.get("Type") and new_props == old_props:
        return  # nothing to do: same type, same resolved properties
    physical = physical_id(old_resource)
    reason = unsupported_reason(resource_type)
    if reason is not None:
        resource_event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical)
        resource_event(stack, logical_id, resource_type, "UPDATE_FAILED", physical, reason)
        raise ResourceFailed(logical_id, "update", reason)
    change = _Change(
        "modify",
        logical_id,
        body,
        new_props,
        old_body=old_body,
        old_props=old_props,
        old_resource=old_resource,
    )

    new_resource: Any
    if needs_replacement(resource_type, old_body, new_props, old_props):
        resource_event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical, REPLACING)
        rmap._parsed_resources.pop(logical_id, None)
        try:
            new_resource = rmap[logical_id]  # a new physical resource beside the old one
        except Exception as exc:
            rmap._parsed_resources[logical_id] = old_resource
            reason = failure_reason(exc)
            resource_event(stack, logical_id, resource_type, "UPDATE_FAILED", physical, reason)
            raise ResourceFailed(logical_id, "update", reason) from exc
        change.kind = "replace"
    else:
        resource_event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical)
        try:
            new_resource = parsing.parse_and_update_resource(
                logical_id, body, rmap, stack.account_id, stack.region_name
            )
        except Exception as exc:
            # The model may have changed part of the resource: undo re-applies the old values.
            changes.append(change)
            reason = failure_reason(exc)
            resource_event(stack, logical_id, resource_type, "UPDATE_FAILED", physical, reason)
            raise ResourceFailed(logical_id, "update", reason) from exc
        if new_resource is None:
            new_resource = old_resource
    rmap._parsed_resources[logical_id] = new_resource
    _ledger(stack)[logical_id] = new_props
    change.new_resource = new_resource
    changes.append(change)
    resource_event(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical_id(new_resource))


def _clean_up(stack: Stack, before: _Snapshot, changes: list[_Change]) -> None:
    """After a successful update: delete old copies of replaced resources and removed ones."""
    rmap = stack.resource_map
    ledger = _ledger(stack)
    for change in reversed(changes):
        if change.kind == "replace":
            _delete_one(
                stack,
                change.logical_id,
                change.old_resource,
                change.old_body,
                change.old_props,
                "replace",
            )
    new_bodies = rmap._resource_json_map
    for logical_id in deletion_order(before.resources):
        resource = before.parsed.get(logical_id)
        body = new_bodies.get(logical_id)
        if resource is None or (body is not None and _enabled(rmap, body)):
            continue
        props = before.properties.get(logical_id, {})
        _delete_one(stack, logical_id, resource, before.resources[logical_id], props, "remove")
        rmap._parsed_resources.pop(logical_id, None)
        ledger.pop(logical_id, None)


def _roll_back_update(
    stack: Stack, before: _Snapshot, changes: list[_Change], failure: ResourceFailed
) -> None:
    verb = "create" if failure.action == "create" else "update"
    stack_event(
        stack,
        "UPDATE_ROLLBACK_IN_PROGRESS",
        f"The following resource(s) failed to {verb}: [{failure.logical_id}]. ",
    )
    rmap = stack.resource_map
    ledger = _ledger(stack)
    before.restore(rmap)
    ok = True
    replaced: list[_Change] = []
    for change in reversed(changes):
        logical_id = change.logical_id
        if change.kind == "add":
            resource = rmap._parsed_resources.pop(logical_id, None)
            ledger.pop(logical_id, None)
            ok &= _delete_one(
                stack, logical_id, resource, change.new_body, change.new_props, "rollback"
            )
        elif change.kind == "replace":
            rmap._parsed_resources[logical_id] = change.old_resource
            ledger[logical_id] = change.old_props
            replaced.append(change)
        else:
            ok &= _restore_one(stack, change)
    stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    for change in replaced:
        _delete_one(
            stack,
            change.logical_id,
            change.new_resource,
            change.new_body,
            change.new_props,
            "rollback",
        )
    stack.output_map = stack._create_output_map()
    stack_event(stack, "UPDATE_ROLLBACK_COMPLETE" if ok else "UPDATE_ROLLBACK_FAILED")


def _restore_one(stack: Stack, change: _Change) -> bool:
    """Update a modified resource back to its previous properties."""
    rmap = stack.resource_map
    logical_id = change.logical_id
    resource_type = str(change.old_body.get("Type", ""))
    current = rmap._parsed_resources.get(logical_id, change.old_resource)
    rmap._parsed_resources[logical_id] = current
    resource_event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical_id(current))
    try:
        restored: Any = parsing.parse_and_update_resource(
            logical_id, change.old_body, rmap, stack.account_id, stack.region_name
        )
    except Exception as exc:
        reason = failure_reason(exc)
        resource_event(
            stack, logical_id, resource_type, "UPDATE_FAILED", physical_id(current), reason
        )
        return False
    if restored is not None:
        rmap._parsed_resources[logical_id] = restored
        current = restored
    _ledger(stack)[logical_id] = change.old_props
    resource_event(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical_id(current))
    return True
