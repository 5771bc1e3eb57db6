"""Reading `operations:` of a function: the IAM actions its code performs on each resource.

Tether grants least privilege, so each action must be a real IAM action of the resource's
service that can be limited to that resource: no wildcards, no action that only works on
Resource "*", no stream action on a table without a stream.
"""

from __future__ import annotations

import re
from typing import Any

from tether.model import iam
from tether.model.project import Bucket, HttpApi, Operation, Queue, Resource, Schedule, Table, Topic
from tether.model.read.cursor import Node, Problems, suggest
from tether.model.read.resources import Resources, label, stream_fix
from tether.model.yamlfile import Pos, describe, item_pos

OPERATION_KEYS = ("resource", "actions")
_ACTION = re.compile(r"^([a-z0-9-]+):([A-Za-z0-9*?]+)$")
_EXAMPLE_ACTION: dict[type[Resource], str] = {
    Bucket: "PutObject",
    Table: "PutItem",
    Topic: "Publish",
    Queue: "SendMessage",
    Schedule: "",
    HttpApi: "",
}


def read_operations(function: Node, resources: Resources) -> tuple[Operation, ...]:
    """Each operation under `operations:` of `function`."""
    operations: list[Operation] = []
    for node in function.items(
        "operations",
        "operation",
        example='operations: [{resource: thumbs, actions: ["s3:PutObject"]}]',
        hint='- {resource: thumbs, actions: ["s3:PutObject"]}',
    ):
        node.check_keys(OPERATION_KEYS)
        resource = resources.named_in(node)
        if resource is None:
            continue
        if not resource.scopes:
            node.report(
                node.value_pos("resource"),
                f"{label(resource)} cannot be called from code",
                f"a {resource.type_name} only triggers functions; list it under triggers: instead",
            )
            continue
        actions = _read_actions(node, resource)
        if actions:
            operations.append(
                Operation(resource=resource.name, actions=actions, location=node.location())
            )
    return tuple(operations)


def _example_action(resource: Resource) -> str:
    return f"{resource.service}:{_EXAMPLE_ACTION[type(resource)]}"


def _read_actions(node: Node, resource: Resource) -> tuple[str, ...]:
    example = f'actions: ["{_example_action(resource)}"]'
    if not node.require("actions", example):
        return ()
    value = node["actions"]
    pos = node.value_pos("actions")
    if not isinstance(value, list) or not value:
        node.report(
            pos,
            f"'actions' of {node.where} must be a non-empty list of IAM actions, not {describe(value)}",
            f"write {example}",
        )
        return ()
    actions: list[str] = []
    for index, action in enumerate(value):
        checked = _check_action(node.problems, action, resource, item_pos(value, index, pos))
        if checked and checked not in actions:
            actions.append(checked)
    return tuple(actions)


def _check_action(problems: Problems, action: Any, resource: Resource, pos: Pos) -> str | None:
    """`action` when Tether can grant it on `resource`; else None (reported at `pos`)."""
    match = _ACTION.match(action) if isinstance(action, str) else None
    if match is None:
        problems.report(
            pos,
            f"{describe(action)} is not an IAM action",
            f'write service:Action, e.g. "{_example_action(resource)}"',
        )
        return None
    service, name = match.groups()
    if "*" in name or "?" in name:
        problems.report(
            pos,
            f"wildcard action '{action}' is not allowed",
            f"Tether grants least privilege: list each action the code calls, e.g. "
            f"{_example_action(resource)}",
        )
        return None
    if service != resource.service:
        problems.report(
            pos,
            f"'{action}' is not an action on {label(resource)}",
            f"operations on a {resource.type_name} use {resource.service}:... actions",
        )
        return None
    known = iam.actions(service)
    if name not in known:
        guess = suggest(name, known)
        problems.report(
            pos,
            f"unknown IAM action '{action}'",
            f"did you mean '{service}:{guess}'?" if guess else f"see the IAM actions of {service}",
        )
        return None
    scopes = set(known[name]) & resource.scopes
    if isinstance(resource, Table) and not resource.has_stream:
        scopes.discard("stream")
        if not scopes and "stream" in known[name]:
            problems.report(
                pos,
                f"'{action}' reads the stream of {label(resource)}, which has no stream",
                f"add `{stream_fix(resource)}` to resource '{resource.name}', or remove the action",
            )
            return None
    if not scopes:
        problems.report(
            pos,
            f"'{action}' cannot be limited to {label(resource)}",
            'it only works on Resource "*" (or on another kind of resource), which Tether does not grant; '
            "remove it",
        )
        return None
    return str(action)
