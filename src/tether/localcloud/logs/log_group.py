"""AWS::Logs::LogGroup updates in place: retention, KMS key and tags.

moto has no update for log groups at all; here the group keeps its name and its log streams
and takes the template's `RetentionInDays`, `KmsKeyId` and `Tags` (tags it no longer lists are
removed).
Hook: the model `LocalLogGroup` (moto's `LogGroup` with an update), registered for
AWS::Logs::LogGroup.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.logs.models import LogGroup, logs_backends

from tether.localcloud._patching import register_model
from tether.localcloud.cloudformation._stack_model import sync_tags, tag_dict


def _update_log_group(
    cls: type[LogGroup],
    original_resource: LogGroup,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> LogGroup:
    properties = dict(cloudformation_json.get("Properties") or {})
    group = original_resource
    group.retention_in_days = properties.get("RetentionInDays")
    group.kms_key_id = properties.get("KmsKeyId")
    backend = logs_backends[account_id][region_name]
    current = backend.list_tags_for_resource(group.arn)
    sync_tags(backend, group.arn, current, tag_dict(properties.get("Tags")))
    return group


class LocalLogGroup(LogGroup, CloudFormationModel):
    """AWS::Logs::LogGroup as the local cloud's CloudFormation updates it: moto's model,
    registered in its place through moto's extension point."""

    update_from_cloudformation_json = classmethod(_update_log_group)


def install() -> None:
    register_model(LocalLogGroup)
