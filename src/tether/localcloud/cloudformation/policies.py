"""What the stack engine may do to a resource: create it at all, replace or update it, delete
it or keep it (DeletionPolicy, UpdateReplacePolicy)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from moto.cloudformation import parsing

# Models may list, in this class attribute, properties whose change needs a new physical
# resource (besides their name property), as CloudFormation's resource specification does.
REPLACEMENT_ATTRIBUTE = "tether_replacement_properties"

# When a resource is about to disappear: the stack is deleted, an update removed it from the
# template, a rollback undoes its creation, or an update replaced it with a new copy.
Removal = Literal["delete", "remove", "rollback", "replace"]


def unsupported_reason(resource_type: str) -> str | None:
    """Why the local cloud cannot create `resource_type`, or None if it can."""
    if resource_type in parsing.NULL_MODELS:
        return None
    if resource_type.startswith("Custom::") or resource_type == (
        "AWS::CloudFormation::CustomResource"
    ):
        return (
            "custom resources need their Lambda function to run, which Tether's local "
            "cloud does not do yet"
        )
    if resource_type not in parsing.get_model_map():
        return f"Tether's local cloud cannot create resources of type {resource_type}"
    return None


def needs_replacement(
    resource_type: str,
    old_body: Mapping[str, Any],
    new_props: dict[str, Any],
    old_props: dict[str, Any],
) -> bool:
    """Whether an update needs a new physical resource: a new type, a new name, a property
    declared as needing replacement, or a moto model that cannot update in place."""
    if resource_type != old_body.get("Type"):
        return True
    model = parsing.get_model_map()[resource_type]
    name_property = model.cloudformation_name_type()
    if name_property and new_props.get(name_property) != old_props.get(name_property):
        return True
    for name in getattr(model, REPLACEMENT_ATTRIBUTE, ()):
        if new_props.get(name) != old_props.get(name):
            return True
    return bool(getattr(model.update_from_cloudformation_json, "__isabstractmethod__", False))


def retains(body: Mapping[str, Any], removal: Removal) -> bool:
    """Whether the template keeps this resource in the account instead of deleting it."""
    if removal == "replace":
        return body.get("UpdateReplacePolicy") == "Retain"
    policy = body.get("DeletionPolicy")
    if removal == "rollback":
        # A resource the failed operation created is kept only for Retain, as on AWS;
        # RetainExceptOnCreate exists precisely to delete it.
        return policy == "Retain"
    return policy in ("Retain", "RetainExceptOnCreate")
