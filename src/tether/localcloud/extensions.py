"""The registry of the extensions that make moto deploy and run what Tether synthesises.

Each extension module (one job, in the folder of its service: `s3/`, `sns/`, `lambda_/`...)
changes moto (5.2.5, pinned) through `tether.localcloud._patching` in an idempotent
`install()`. `MODULES` is the one list of them, in dependency order; `install_all()` installs
them all. The server installs them before it handles its first request.
"""

from __future__ import annotations

from tether.localcloud.cloudformation import (
    cloudformation_limits,
    deletion_policy,
    nested_stack,
    rollback,
    stack_event_pages,
    stack_lock,
    template_parse,
)
from tether.localcloud.dynamodb import dynamodb_stand_in, dynamodb_table
from tether.localcloud.http import apigatewayv2, http_router
from tether.localcloud.iam import iam_limits, iam_managed_policy, iam_role
from tether.localcloud.lambda_ import (
    lambda_event_source_mapping,
    lambda_function,
    lambda_layer,
    lambda_limits,
    lambda_listing,
    lambda_permission,
    lambda_runtime,
)
from tether.localcloud.logs import log_group
from tether.localcloud.s3 import s3_bucket
from tether.localcloud.scheduler import events_rule, events_targets
from tether.localcloud.sns import sns_limits, sns_subscription, sns_topic
from tether.localcloud.sqs import sqs_limits, sqs_queue, sqs_queue_url

MODULES = (
    s3_bucket,
    sns_subscription,
    apigatewayv2,
    http_router,
    events_targets,
    lambda_function,
    lambda_layer,
    lambda_listing,  # ListFunctions in Lambda's pages and fields, without a deep copy each
    lambda_permission,
    iam_role,
    iam_managed_policy,
    # in-place updates of the types whose moto update replaces the resource or ignores properties
    sns_topic,
    events_rule,
    dynamodb_table,
    sqs_queue,
    log_group,
    lambda_event_source_mapping,
    # the stack engine (`cloudformation/engine.py`) runs create, update and delete
    template_parse,  # templates read once per request, JSON as JSON
    rollback,
    deletion_policy,
    stack_lock,
    nested_stack,  # AWS::CloudFormation::Stack through the same engine
    stack_event_pages,  # DescribeStackEvents in pages of 100, as on AWS
    dynamodb_stand_in,  # stand-ins of external tables keep their stream's label
    # AWS's limits (`tether.localcloud.limits`), refused with AWS's errors
    cloudformation_limits,
    lambda_limits,
    iam_limits,
    sqs_limits,
    sqs_queue_url,
    sns_limits,
    lambda_runtime,  # functions run for real
)

__all__ = ["MODULES", "install_all"]


def install_all() -> None:
    """Install every extension (safe to call more than once)."""
    for module in MODULES:
        module.install()
