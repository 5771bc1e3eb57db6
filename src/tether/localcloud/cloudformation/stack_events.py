"""How the stack engine reports progress: stack and resource events in CloudFormation's words,
with one-line failure reasons made from whatever moto raised."""

from __future__ import annotations

from typing import Any

from moto.cloudformation.models import Event, Stack


def failure_reason(exc: BaseException) -> str:
    """A one-line, human reason for a resource failure."""
    message = getattr(exc, "message", None)
    code = getattr(exc, "error_type", None) or getattr(exc, "code", None)
    if isinstance(message, str) and message:
        text = f"{code}: {message}" if isinstance(code, str) and code else message
    elif isinstance(exc, KeyError) and exc.args:
        text = f"required property or value {exc.args[0]!r} is missing"
    elif isinstance(exc, ValueError) and len(exc.args) == 2:
        text = f"{exc.args[0]}: {exc.args[1]}"  # moto's ValueError(code, message)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return " ".join(text.split())[:1000]


def physical_id(resource: Any) -> str:
    value = getattr(resource, "physical_resource_id", None)
    return "" if value is None else str(value)


def resource_event(
    stack: Stack,
    logical_id: str,
    resource_type: str,
    status: str,
    physical: str = "",
    reason: str | None = None,
) -> None:
    """Record one resource's step (CREATE_IN_PROGRESS, DELETE_SKIPPED, UPDATE_FAILED...)."""
    event = Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=logical_id,
        physical_resource_id=physical,
        resource_type=resource_type,
        resource_status=status,
        resource_status_reason=reason,
        resource_properties=None,
    )
    event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
    stack.events.append(event)


def stack_event(stack: Stack, status: str, reason: str | None = None) -> None:
    """Move the stack to `status` and record it."""
    stack.status = status
    stack._add_stack_event(status, resource_status_reason=reason)
