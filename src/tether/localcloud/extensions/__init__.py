"""Extensions that make moto's CloudFormation deploy what Tether synthesises.

Each module patches moto (5.2.5, pinned) for one job and has an idempotent `install()`;
`install_all()` installs them all, in dependency order. Install them before the server handles
its first request.
"""

from __future__ import annotations

from tether.localcloud.extensions import (
    apigatewayv2,
    deletion_policy,
    iam_role,
    in_place_updates,
    lambda_function,
    lambda_layer,
    lambda_permission,
    rollback,
    s3_bucket,
    sns_subscription,
    stack_lock,
)

MODULES = (
    s3_bucket,
    sns_subscription,
    apigatewayv2,
    lambda_function,
    lambda_layer,
    lambda_permission,
    iam_role,
    in_place_updates,
    rollback,
    deletion_policy,
    stack_lock,
)

__all__ = ["MODULES", "install_all"]


def install_all() -> None:
    """Install every extension (safe to call more than once)."""
    for module in MODULES:
        module.install()
