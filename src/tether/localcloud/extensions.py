"""Extensions that make moto's CloudFormation deploy what Tether synthesises.

Each module patches moto (5.2.5, pinned) for one job and has an idempotent `install()`;
`install_all()` installs them all, in dependency order. Install them before the server handles
its first request.
"""

from __future__ import annotations

from tether.localcloud.extensions import (
    apigatewayv2,
    cloudformation_limits,
    deletion_policy,
    dynamodb_stand_in,
    events_targets,
    fake_lambda,
    http_router,
    iam_limits,
    iam_managed_policy,
    iam_role,
    in_place_updates,
    lambda_function,
    lambda_layer,
    lambda_limits,
    lambda_permission,
    lambda_runtime,
    rollback,
    s3_bucket,
    sns_limits,
    sns_subscription,
    sqs_limits,
    sqs_queue_url,
    stack_lock,
)

MODULES = (
    s3_bucket,
    sns_subscription,
    apigatewayv2,
    http_router,
    events_targets,
    lambda_function,
    lambda_layer,
    lambda_permission,
    iam_role,
    iam_managed_policy,
    in_place_updates,
    rollback,
    deletion_policy,
    stack_lock,
    dynamodb_stand_in,
    # AWS's limits (`tether.localcloud.limits`), refused with AWS's errors
    cloudformation_limits,
    lambda_limits,
    iam_limits,
    sqs_limits,
    sqs_queue_url,
    sns_limits,
    lambda_runtime,  # functions run for real; before fake_lambda, which then steps aside
    fake_lambda,  # test-only (TETHER_TEST_FAKE_LAMBDA); yields to a runtime in any order
)

__all__ = ["MODULES", "install_all"]


def install_all() -> None:
    """Install every extension (safe to call more than once)."""
    for module in MODULES:
        module.install()
