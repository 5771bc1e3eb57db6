"""AWS::Lambda::LayerVersion as CloudFormation creates, references, replaces and deletes it.

moto's model names the layer after the logical ID instead of `LayerName`, has no physical ID
(so `Ref` handed the model object to the function's `Layers`), cannot be updated and is never
deleted. Here: `LayerName` names the layer, `Ref` gives the layer version ARN, any change
publishes a new version (layer versions are immutable; the stack engine replaces models that
cannot update, and deletes the old version unless UpdateReplacePolicy is Retain), delete removes
the version. Content in S3 must exist, as for functions.
Hooks: the model `LocalLayerVersion` (create, delete), registered for
AWS::Lambda::LayerVersion; on moto's `LayerVersion`, the name property (moto reads it from its
own model) and a physical ID (its instances are what CloudFormation's `Ref` reads).
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.awslambda.exceptions import UnknownLayerException
from moto.awslambda.models import LayerVersion
from moto.awslambda.utils import get_backend
from moto.core.common_models import CloudFormationModel

from tether.localcloud._patching import add, register_model, replace
from tether.localcloud.lambda_.lambda_function import check_code


def _name_type() -> str:
    return "LayerName"


def _physical_id(self: LayerVersion) -> str:
    return self.arn


def _create(
    cls: type[LocalLayerVersion],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> LayerVersion:
    check_code(
        {"Code": (cloudformation_json.get("Properties") or {}).get("Content")},
        account_id,
        region_name,
    )
    layer: LayerVersion = super(LocalLayerVersion, cls).create_from_cloudformation_json(
        resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    return layer


def _delete(
    cls: type[LocalLayerVersion],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> None:
    """CloudFormation calls this with the physical ID, the layer version's ARN
    (`arn:aws:lambda:<region>:<account>:layer:<name>:<version>`)."""
    name, version = resource_name.split(":")[-2:]
    with contextlib.suppress(UnknownLayerException):
        get_backend(account_id, region_name).delete_layer_version(name, version)


class LocalLayerVersion(LayerVersion, CloudFormationModel):
    """AWS::Lambda::LayerVersion as the local cloud's CloudFormation creates and deletes it:
    moto's model, registered in its place through moto's extension point."""

    create_from_cloudformation_json = classmethod(_create)
    delete_from_cloudformation_json = classmethod(_delete)  # moto had none: layers stayed


def install() -> None:
    # moto reads a type's name property from the first model of the type it finds, its own
    # (`parsing.resource_name_property_from_type`): that one has to say "LayerName".
    replace(LayerVersion, "cloudformation_name_type", staticmethod(_name_type))
    # Instances are moto's LayerVersion: `Ref` reads their physical ID, which moto lacks.
    add(LayerVersion, "physical_resource_id", property(_physical_id))
    register_model(LocalLayerVersion)  # clears moto's cache of each type's name property
