"""AWS::Lambda::Function: code from S3 must exist, and an update applies the whole template.

moto silently deploys an empty function when its `Code.S3Key` does not exist in the bucket
(AWS fails the resource with NoSuchKey), and its update keeps settings the new template no
longer has (environment, memory, timeout, description, layers); its create ignores `Layers`.
An update is held to Lambda's limits as UpdateFunctionConfiguration and UpdateFunctionCode are
(`lambda_limits.check_update`; a create meets them in CreateFunction). A name CloudFormation
generates (no `FunctionName`) is cut to Lambda's 64 characters, keeping its random end, as
CloudFormation does. Hook: the model `LocalFunction` (moto's `LambdaFunction`, its create and
update wrapped), registered for AWS::Lambda::Function.
Nothing here runs code: moto creates functions without Docker.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.core.common_models import CloudFormationModel
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from tether.localcloud._patching import register_model
from tether.localcloud.lambda_.lambda_limits import check_update
from tether.model.limits import FUNCTION_NAME_CHARS

# What Lambda uses for a setting the template leaves out.
DEFAULTS: dict[str, Any] = {
    "Description": "",
    "MemorySize": 128,
    "Timeout": 3,
    "Environment": {"Variables": {}},
    "Layers": [],
}


def check_code(properties: dict[str, Any], account_id: str, region_name: str) -> None:
    """Raise as Lambda does when the S3 object holding the code does not exist."""
    code = properties.get("Code") or {}
    if "S3Bucket" not in code or "S3Key" not in code:
        return
    backend = s3_backends[account_id][get_partition(region_name)]
    try:
        found = backend.get_object(str(code["S3Bucket"]), str(code["S3Key"]))
    except MissingBucket:
        found = None
        problem = "NoSuchBucket. S3 Error Message: The specified bucket does not exist"
    else:
        problem = "NoSuchKey. S3 Error Message: The specified key does not exist."
    if found is None:
        raise ValueError(
            "InvalidParameterValueException",
            f"Error occurred while GetObject. S3 Error Code: {problem}",
        )


def generated_name(name: str) -> str:
    """A generated `<stack>-<logical id>-<random>` name cut to Lambda's limit, random end kept."""
    if len(name) <= FUNCTION_NAME_CHARS or "-" not in name:
        return name
    stem, end = name.rsplit("-", 1)
    return f"{stem[: FUNCTION_NAME_CHARS - len(end) - 1].rstrip('-')}-{end}"


def _create(
    cls: type[LocalFunction],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> LambdaFunction:
    properties = cloudformation_json.get("Properties") or {}
    check_code(properties, account_id, region_name)
    if "FunctionName" not in properties:
        resource_name = generated_name(resource_name)
    function: LambdaFunction = super(LocalFunction, cls).create_from_cloudformation_json(
        resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    if properties.get("Layers"):  # moto's create leaves them out
        try:
            function.layers = function._get_layers_data(list(properties["Layers"]))
        except Exception:
            function.delete(account_id, region_name)  # a failed resource leaves nothing behind
            raise
    return function


def _update(
    cls: type[LocalFunction],
    original_resource: LambdaFunction,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> LambdaFunction:
    properties = cloudformation_json.get("Properties") or {}
    check_code(properties, account_id, region_name)
    check_update(original_resource, properties)
    function: LambdaFunction = super(LocalFunction, cls).update_from_cloudformation_json(
        original_resource,
        new_resource_name,
        {**cloudformation_json, "Properties": {**DEFAULTS, **properties}},
        account_id,
        region_name,
    )
    return function


class LocalFunction(LambdaFunction, CloudFormationModel):
    """AWS::Lambda::Function as the local cloud's CloudFormation creates and updates it: moto's
    model, registered in its place through moto's extension point."""

    create_from_cloudformation_json = classmethod(_create)
    update_from_cloudformation_json = classmethod(_update)


def install() -> None:
    register_model(LocalFunction)
