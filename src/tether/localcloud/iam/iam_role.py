"""AWS::IAM::Role: inline policies stored as JSON documents, and updates applied in place.

moto's CloudFormation create stores each inline `PolicyDocument` as the template's dict, so
GetRolePolicy answers with a Python repr instead of JSON; and its update ignores inline
Policies, the trust policy and tags (it only sets the description). Hook: the model
`LocalRole`, registered for AWS::IAM::Role: moto's `Role` with its create wrapped (documents
become JSON text, as PutRolePolicy stores them) and an in-place update. Both check
the role's inline policies against IAM's size quota first (`iam_limits`), so a role over it
fails with IAM's LimitExceeded and nothing half-made is left. These make the deployed policies
inspectable and current.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.iam.models import Role, iam_backends
from moto.utilities.utils import get_partition

from tether.localcloud._patching import register_model
from tether.localcloud.iam.iam_limits import check_role_policies, policy_text


def _create(
    cls: type[LocalRole],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Role:
    properties = dict(cloudformation_json.get("Properties") or {})
    properties["Policies"] = [
        {**policy, "PolicyDocument": policy_text(policy.get("PolicyDocument"))}
        for policy in properties.get("Policies") or []
    ]
    role_name = str(properties.get("RoleName", resource_name))
    check_role_policies(role_name, [policy["PolicyDocument"] for policy in properties["Policies"]])
    role: Role = super(LocalRole, cls).create_from_cloudformation_json(
        resource_name,
        {**cloudformation_json, "Properties": properties},
        account_id,
        region_name,
        **kwargs,
    )
    return role


def _update_role(
    cls: type[Role],
    original_resource: Role,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Role:
    properties = dict(cloudformation_json.get("Properties") or {})
    role = original_resource
    policies = {
        p["PolicyName"]: policy_text(p["PolicyDocument"]) for p in properties.get("Policies") or []
    }
    check_role_policies(role.name, list(policies.values()))  # before anything changes
    backend = iam_backends[account_id][get_partition(region_name)]
    trust = properties.get("AssumeRolePolicyDocument")
    if trust is not None:
        backend.update_assume_role_policy(role.name, policy_text(trust))
    role.description = properties.get("Description", "")
    role.max_session_duration = properties.get("MaxSessionDuration", 3600)
    # Remove what changes first: on the way, the role never holds more than it will.
    for name in [name for name, old in role.policies.items() if policies.get(name) != old]:
        role.delete_policy(name)
    for name, document in policies.items():
        if name not in role.policies:
            role.put_policy(name, document)
    role.tags = [
        {"Key": str(t["Key"]), "Value": str(t["Value"])} for t in properties.get("Tags") or []
    ]
    return role


class LocalRole(Role, CloudFormationModel):
    """AWS::IAM::Role as the local cloud's CloudFormation creates and updates it: moto's model,
    registered in its place through moto's extension point."""

    create_from_cloudformation_json = classmethod(_create)
    update_from_cloudformation_json = classmethod(_update_role)


def install() -> None:
    register_model(LocalRole)
