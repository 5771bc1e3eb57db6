"""AWS::Lambda::LayerVersion as CloudFormation creates, references, replaces and deletes it.

moto's model names the layer after the logical ID instead of `LayerName`, has no physical ID
(so `Ref` handed the model object to the function's `Layers`), cannot be updated and is never
deleted. Here: `LayerName` names the layer, `Ref` gives the layer version ARN, any change
publishes a new version (layer versions are immutable; the stack engine replaces models that
cannot update, and deletes the old version unless UpdateReplacePolicy is Retain), delete removes
the version. Content in S3 must exist, as for functions.
Hook: attributes of `moto.awslambda.models.LayerVersion` (name type, physical ID, create,
delete).
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.awslambda.exceptions import UnknownLayerException
from moto.awslambda.models import LayerVersion
from moto.awslambda.utils import get_backend
from moto.cloudformation import parsing

from tether.localcloud._patching import add, original, replace
from tether.localcloud.lambda_.lambda_function import check_code


def _name_type() -> str:
    return "LayerName"


def _physical_id(self: LayerVersion) -> str:
    return self.arn


def _create(
    cls: type[LayerVersion],
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
    create = original(LayerVersion, "create_from_cloudformation_json")
    layer: LayerVersion = create.__func__(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    return layer


def _delete(self: LayerVersion, account_id: str, region_name: str) -> None:
    with contextlib.suppress(UnknownLayerException):
        get_backend(account_id, region_name).delete_layer_version(self.name, str(self.version))


def install() -> None:
    replace(LayerVersion, "cloudformation_name_type", staticmethod(_name_type))
    add(LayerVersion, "physical_resource_id", property(_physical_id))  # moto has none
    replace(LayerVersion, "create_from_cloudformation_json", classmethod(_create))
    add(LayerVersion, "delete", _delete)  # moto has none: a deleted stack kept its layers
    # moto caches each type's name property: forget the old "LayerVersion".
    parsing.get_name_type_map.cache_clear()
