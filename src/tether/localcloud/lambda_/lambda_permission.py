"""AWS::Lambda::Permission that CloudFormation can update and delete, not only create.

moto's model adds a policy statement on create and nothing else: an update left the old
statement (and moto dropped the resource from the stack), a delete left it in the function's
policy, the raw template properties (FunctionName included) became the statement, and `Ref`
gave no ID. This model replaces it: the statement ID is the physical ID, update swaps the
statement, delete removes it. Declared as data (`DeclaredModel`): the policy calls that add and
remove a statement.
"""

from __future__ import annotations

import json
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException, UnknownPolicyException
from moto.awslambda.models import LambdaBackend
from moto.awslambda.utils import get_backend
from moto.core.common_models import CloudFormationModel

from tether.localcloud._patching import register_model
from tether.localcloud.cloudformation._stack_model import Declaration, DeclaredModel, Place

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


def _add(place: Place, name: str, properties: dict[str, Any]) -> str:
    sid = name[:100]
    backend: LambdaBackend = get_backend(place.account_id, place.region_name)
    backend.get_function(place.parent).policy.add_statement(_statement(sid, properties))
    return sid


def _remove(place: Place, sid: str) -> None:
    function = get_backend(place.account_id, place.region_name).get_function(place.parent)
    function.policy.del_statement(sid)


class LambdaPermission(DeclaredModel, CloudFormationModel):
    """One statement in a function's resource policy, owned by a stack."""

    DECLARED = Declaration(
        "AWS::Lambda::Permission",
        parent="FunctionName",
        required=("Action", "FunctionName", "Principal"),
        create=_add,
        physical_id=str,  # the statement ID: the logical name, cut to Lambda's 100 characters
        update=None,  # a statement does not change: it is removed and added again, same ID
        delete=_remove,
        # the function (and its policy) or the statement is gone already
        gone=(UnknownFunctionException, UnknownPolicyException),
    )


def install() -> None:
    register_model(LambdaPermission)
