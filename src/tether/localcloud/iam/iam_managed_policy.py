"""AWS::IAM::ManagedPolicy as CloudFormation creates, updates and deletes it.

moto creates a managed policy and attaches it to the template's `Roles`, but never deletes it
(its delete is a no-op, so a removed policy stayed attached, granting what the template no
longer grants) and cannot update it. Tether's synth moves a role's statements into managed
policies when they outgrow IAM's inline quota (`tether.synth.functions`), so these must follow
the template: a delete detaches the policy from every role, user and group and deletes it; an
update makes the new document the default version (keeping no other) and attaches and detaches
roles to match `Roles`; a new `ManagedPolicyName` or `Path` is a new policy. A create checks
IAM's quotas (document size, managed policies per role) before anything is made.
Hook: the model `LocalManagedPolicy` (moto's `ManagedPolicy` with a checked create, an update,
a delete and the replacement properties), registered for AWS::IAM::ManagedPolicy.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.iam.models import IAMBackend, ManagedPolicy, iam_backends
from moto.utilities.utils import get_partition

from tether.localcloud import limits
from tether.localcloud._patching import register_model
from tether.localcloud.iam.iam_limits import check_attachment, policy_text, refuse


def _backend(account_id: str, region_name: str) -> IAMBackend:
    backend: IAMBackend = iam_backends[account_id][get_partition(region_name)]
    return backend


def _create(
    cls: type[LocalManagedPolicy],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> ManagedPolicy:
    properties = cloudformation_json.get("Properties") or {}
    refuse(limits.managed_policy(policy_text(properties.get("PolicyDocument"))))
    backend = _backend(account_id, region_name)
    for role in properties.get("Roles") or []:
        check_attachment(backend, "(new policy)", str(role))
    policy: ManagedPolicy = super(LocalManagedPolicy, cls).create_from_cloudformation_json(
        resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    return policy


def _update(
    cls: type[ManagedPolicy],
    original_resource: ManagedPolicy,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> ManagedPolicy:
    policy = original_resource
    properties = cloudformation_json.get("Properties") or {}
    backend = _backend(account_id, region_name)
    document = policy_text(properties.get("PolicyDocument"))
    current = next((v for v in policy.versions if v.is_default), None)
    if current is None or current.document != document:
        for version in [v for v in policy.versions if not v.is_default]:
            backend.delete_policy_version(policy.arn, version.version_id)
        backend.create_policy_version(policy.arn, document, set_as_default=True)
        for version in [v for v in policy.versions if not v.is_default]:
            backend.delete_policy_version(policy.arn, version.version_id)
    policy.description = properties.get("Description") or ""
    wanted = {str(role) for role in properties.get("Roles") or []}
    attached = {role.name for role in backend.roles.values() if policy.arn in role.managed_policies}
    for name in sorted(attached - wanted):
        backend.detach_role_policy(policy.arn, name)
    for name in sorted(wanted - attached):
        backend.attach_role_policy(policy.arn, name)
    return policy


def _delete(
    cls: type[LocalManagedPolicy],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> None:
    """moto's resources have no delete, so CloudFormation calls this with the physical ID: the
    policy's ARN."""
    backend = _backend(account_id, region_name)
    policy = backend.managed_policies.get(resource_name)
    if policy is None:
        return  # gone already: deleting it again is done, as on AWS
    holders: list[Any] = [
        *backend.roles.values(),
        *backend.users.values(),
        *backend.groups.values(),
    ]
    for holder in holders:
        if policy.arn in holder.managed_policies:
            policy.detach_from(holder)
    backend.managed_policies.pop(policy.arn, None)


class LocalManagedPolicy(ManagedPolicy, CloudFormationModel):
    """AWS::IAM::ManagedPolicy as the local cloud's CloudFormation creates, updates and deletes
    it: moto's model, registered in its place through moto's extension point."""

    tether_replacement_properties = ("ManagedPolicyName", "Path")  # policies.REPLACEMENT_ATTRIBUTE
    create_from_cloudformation_json = classmethod(_create)
    update_from_cloudformation_json = classmethod(_update)
    delete_from_cloudformation_json = classmethod(_delete)  # moto's did nothing


def install() -> None:
    register_model(LocalManagedPolicy)
