"""IAM refuses policies over its size quotas, with IAM's LimitExceeded (HTTP 409).

moto stores policies of any size. IAM counts policy sizes in characters without whitespace
(see `tether.localcloud.limits`): all inline policies of one role together at most 10,240
(PutRolePolicy: "Maximum policy size of 10240 bytes exceeded for role R"), one managed policy at
most 6,144 (CreatePolicy, CreatePolicyVersion), and at most 10 managed policies attached to a
role (AttachRolePolicy). CloudFormation's roles store their `Policies` through the same
`Role.put_policy`, and `iam_role` checks them all before the role is created, so an
AWS::IAM::Role over the quota fails with IAM's message and leaves no role behind.
Hooks: `Role.put_policy`, `IAMBackend.create_policy`, `create_policy_version`,
`attach_role_policy`.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.exceptions import LimitExceededException
from moto.iam.models import IAMBackend, Role

from tether.localcloud import limits
from tether.localcloud._patching import original, replace


def policy_text(document: Any) -> str:
    """A policy document as IAM stores it: CloudFormation may give it as a mapping."""
    return document if isinstance(document, str) else json.dumps(document)


def refuse(refusal: limits.Refusal | None) -> None:
    if refusal is not None:
        raise LimitExceededException(refusal.message)


def check_role_policies(role: str, documents: list[Any]) -> None:
    refuse(limits.role_policies(role, documents))


def _put_policy(self: Role, policy_name: str, policy_json: str) -> None:
    others = [document for name, document in self.policies.items() if name != policy_name]
    check_role_policies(self.name, [*others, policy_json])
    original(Role, "put_policy")(self, policy_name, policy_json)


def _create_policy(self: IAMBackend, *args: Any, **kwargs: Any) -> Any:
    document = kwargs.get("policy_document", args[2] if len(args) > 2 else "")
    refuse(limits.managed_policy(document))
    return original(IAMBackend, "create_policy")(self, *args, **kwargs)


def _create_policy_version(
    self: IAMBackend, policy_arn: str, policy_document: str, set_as_default: bool
) -> Any:
    refuse(limits.managed_policy(policy_document))
    return original(IAMBackend, "create_policy_version")(
        self, policy_arn, policy_document, set_as_default
    )


def check_attachment(backend: IAMBackend, policy_arn: str, role_name: str) -> None:
    """Attaching `policy_arn` to the role must keep it within its managed policies quota."""
    role = backend.get_role(role_name)
    attached = set(role.managed_policies) | {policy_arn}
    refuse(limits.managed_policies_per_role(len(attached)))


def _attach_role_policy(self: IAMBackend, policy_arn: str, role_name: str) -> None:
    check_attachment(self, policy_arn, role_name)
    original(IAMBackend, "attach_role_policy")(self, policy_arn, role_name)


def install() -> None:
    replace(Role, "put_policy", _put_policy)
    replace(IAMBackend, "create_policy", _create_policy)
    replace(IAMBackend, "create_policy_version", _create_policy_version)
    replace(IAMBackend, "attach_role_policy", _attach_role_policy)
