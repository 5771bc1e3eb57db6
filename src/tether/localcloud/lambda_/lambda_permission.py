"""AWS::Lambda::Permission that CloudFormation can update and delete, not only create.

moto's model adds a policy statement on create and nothing else: an update left the old
statement (and moto dropped the resource from the stack), a delete left it in the function's
policy, the raw template properties (FunctionName included) became the statement, and `Ref`
gave no ID. This model replaces it: the statement ID is the physical ID, update swaps the
statement, delete removes it.
"""

from __future__ import annotations

import json
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException, UnknownPolicyException
from moto.awslambda.models import LambdaBackend
from moto.awslambda.utils import get_backend
from moto.core.common_models import CloudFormationModel

from tether.localcloud.extensions._patching import register_model
from tether.localcloud.extensions._stack_model import StackModel

# Template properties that become part of the policy statement (moto's AddPermission format).
_STATEMENT_KEYS = (
    "Action",
    "Principal",
    "SourceArn",
    "SourceAccount",
    "EventSourceToken",
    "PrincipalOrgID",
    "FunctionUrlAuthType",
)


def _statement(sid: str, properties: dict[str, Any]) -> str:
    body = {"StatementId": sid}
    body.update({key: properties[key] for key in _STATEMENT_KEYS if key in properties})
    return json.dumps(body)


class LambdaPermission(StackModel, CloudFormationModel):
    """One statement in a function's resource policy, owned by a stack."""

    def __init__(self, sid: str, function_name: str) -> None:
        self.sid = sid
        self.function_name = function_name

    @property
    def physical_resource_id(self) -> str:
        return self.sid

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Permission"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LambdaPermission:
        properties = cloudformation_json.get("Properties") or {}
        for required in ("Action", "FunctionName", "Principal"):
            if not properties.get(required):
                raise KeyError(required)
        function_name = str(properties["FunctionName"])
        sid = resource_name[:100]
        backend: LambdaBackend = get_backend(account_id, region_name)
        backend.get_function(function_name).policy.add_statement(_statement(sid, properties))
        return cls(sid, function_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: LambdaPermission,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LambdaPermission:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            original_resource.sid, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        function_name = str((cloudformation_json.get("Properties") or {}).get("FunctionName"))
        cls(resource_name, function_name).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        try:
            function = get_backend(account_id, region_name).get_function(self.function_name)
            function.policy.del_statement(self.sid)
        except (UnknownFunctionException, UnknownPolicyException):
            pass  # the function (and its policy) or the statement is gone already


def install() -> None:
    register_model(LambdaPermission)
