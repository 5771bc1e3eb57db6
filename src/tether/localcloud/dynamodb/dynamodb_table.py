"""In-place CloudFormation updates for the resource types Tether deploys.

moto's update for several of them replaces the resource, ignores properties or is missing:

- AWS::SNS::Topic and AWS::Events::Rule: moto deletes and re-creates them under a new random
  name (a new ARN, and the topic loses its subscriptions). Here they keep their name.
- AWS::DynamoDB::Table and AWS::Logs::LogGroup: moto has no update at all.
- AWS::SQS::Queue: moto updates the visibility timeout and the wait time only; a dead-letter
  queue (RedrivePolicy) or a retention period added or removed later was ignored.
- Point-in-time recovery of a table (PointInTimeRecoverySpecification), which moto's create
  ignores too: a table showed DISABLED where the template enables it.

(AWS::Lambda::Function and AWS::IAM::Role have their own modules.)

Each replacement of `update_from_cloudformation_json` is small and changes the existing object.
Property changes that need a new physical resource on AWS too are declared on the model
(`policies.REPLACEMENT_ATTRIBUTE`), so the stack engine replaces instead of updating.
"""

from __future__ import annotations

import json
from typing import Any

from moto.awslambda.models import EventSourceMapping
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.events.models import Rule, events_backends
from moto.logs.models import LogGroup, logs_backends
from moto.sns.models import Topic
from moto.sqs.models import Queue

from tether.localcloud.extensions._patching import original, replace
from tether.localcloud.policies import REPLACEMENT_ATTRIBUTE

# Properties whose change needs a new physical resource (besides the name property).
REPLACEMENT_PROPERTIES: dict[type[Any], tuple[str, ...]] = {
    Table: ("KeySchema", "LocalSecondaryIndexes"),
    Queue: ("FifoQueue",),
    Topic: ("FifoTopic",),
    EventSourceMapping: ("EventSourceArn", "StartingPosition", "StartingPositionTimestamp"),
}


def _properties(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    return dict(cloudformation_json.get("Properties") or {})


def _tag_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(tag["Key"]): str(tag["Value"]) for tag in tags or []}


def _update_topic(
    cls: type[Topic],
    original_resource: Topic,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Topic:
    properties = _properties(cloudformation_json)
    topic = original_resource
    topic.display_name = properties.get("DisplayName", "")
    topic.kms_master_key_id = properties.get("KmsMasterKeyId", "")
    topic.content_based_deduplication = properties.get("ContentBasedDeduplication", False)
    topic._tags = _tag_dict(properties.get("Tags"))
    for subscription in properties.get("Subscription") or []:
        topic.sns_backend.subscribe(topic.arn, subscription["Endpoint"], subscription["Protocol"])
    return topic


def _create_topic(
    cls: type[Topic],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Topic:
    create = original(Topic, "create_from_cloudformation_json")
    topic: Topic = create.__func__(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    # moto stores the template's Tags list as a plain attribute; ListTagsForResource reads _tags.
    topic._tags = _tag_dict(_properties(cloudformation_json).get("Tags"))
    return topic


def _update_rule(
    cls: type[Rule],
    original_resource: Rule,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Rule:
    properties = _properties(cloudformation_json)
    bus = str(properties.get("EventBusName", "default")).split("/")[-1]
    if bus != original_resource.event_bus_name:  # another bus: a new rule, as on AWS
        update = original(Rule, "update_from_cloudformation_json")
        moved: Rule = update.__func__(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        return moved
    pattern = properties.get("EventPattern")
    if pattern is not None and not isinstance(pattern, str):
        pattern = json.dumps(pattern)
    # put_rule on an existing name replaces the rule's settings and keeps its targets.
    rule = events_backends[account_id][region_name].put_rule(
        original_resource.name,
        description=properties.get("Description"),
        event_bus_arn=bus,
        event_pattern=pattern,
        role_arn=properties.get("RoleArn"),
        scheduled_expression=properties.get("ScheduleExpression"),
        state=properties.get("State"),
        tags=properties.get("Tags"),
    )
    targets = list(properties.get("Targets") or [])
    wanted = {str(target["Id"]) for target in targets}
    rule.remove_targets([t["Id"] for t in rule.targets if t["Id"] not in wanted])
    rule.put_targets(targets)
    return rule


def _update_table(
    cls: type[Table],
    original_resource: Table,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Table:
    properties = _properties(cloudformation_json)
    table = original_resource
    backend = dynamodb_backends[account_id][region_name]
    if "AttributeDefinitions" in properties:
        table.attr = properties["AttributeDefinitions"]
    table.billing_mode = (
        "PAY_PER_REQUEST" if properties.get("BillingMode") == "PAY_PER_REQUEST" else "PROVISIONED"
    )
    table.throughput = properties.get("ProvisionedThroughput") or table.throughput
    table.sse_specification = properties.get("SSESpecification")
    table.deletion_protection_enabled = bool(properties.get("DeletionProtectionEnabled", False))
    table.tags = [{"Key": k, "Value": v} for k, v in _tag_dict(properties.get("Tags")).items()]
    apply_point_in_time_recovery(table, properties)

    wanted = {index["IndexName"]: index for index in properties.get("GlobalSecondaryIndexes") or []}
    current = {index.name: index for index in table.global_indexes}
    changed = {
        name
        for name, index in current.items()
        if name not in wanted
        or (index.schema, index.projection)
        != (wanted[name].get("KeySchema"), wanted[name].get("Projection"))
    }
    updates: list[dict[str, Any]] = [{"Delete": {"IndexName": name}} for name in changed]
    updates += [
        {"Create": definition}
        for name, definition in wanted.items()
        if name not in current or name in changed
    ]
    if updates:
        backend.update_table_global_indexes(table, updates)

    stream = properties.get("StreamSpecification")
    enabled = bool(table.stream_specification and table.stream_specification.get("StreamEnabled"))
    old_view = (table.stream_specification or {}).get("StreamViewType")
    if stream and (not enabled or stream.get("StreamViewType") != old_view):
        table.set_stream_specification(dict(stream))  # a new stream, with a new ARN
    elif not stream and enabled:
        table.set_stream_specification(None)
    return table


def apply_point_in_time_recovery(table: Table, properties: dict[str, Any]) -> None:
    """Turn the table's continuous backups on or off as its template says (off when unset)."""
    spec = properties.get("PointInTimeRecoverySpecification") or {}
    enabled = str(spec.get("PointInTimeRecoveryEnabled", False)).lower() == "true"
    backend = dynamodb_backends[table.account_id][table.region_name]
    backend.update_continuous_backups(table.name, {**spec, "PointInTimeRecoveryEnabled": enabled})


def _create_table(
    cls: type[Table],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Table:
    create = original(Table, "create_from_cloudformation_json")
    table: Table = create.__func__(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    apply_point_in_time_recovery(table, _properties(cloudformation_json))
    return table


def _update_queue(
    cls: type[Queue],
    original_resource: Queue,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Queue:
    update = original(Queue, "update_from_cloudformation_json")
    queue: Queue = update.__func__(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    )
    properties = _properties(cloudformation_json)
    queue._setup_dlq(properties.get("RedrivePolicy") or {})  # {}: no dead-letter queue any more
    # SQS's default when the property goes: four days
    queue.message_retention_period = int(properties.get("MessageRetentionPeriod", 345_600))  # type: ignore[attr-defined]
    return queue


def _update_log_group(
    cls: type[LogGroup],
    original_resource: LogGroup,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> LogGroup:
    properties = _properties(cloudformation_json)
    group = original_resource
    group.retention_in_days = properties.get("RetentionInDays")
    group.kms_key_id = properties.get("KmsKeyId")
    backend = logs_backends[account_id][region_name]
    tags = _tag_dict(properties.get("Tags"))
    stale = [key for key in backend.list_tags_for_resource(group.arn) if key not in tags]
    if stale:
        backend.untag_resource(group.arn, stale)
    backend.tag_resource(group.arn, tags)
    return group


def install() -> None:
    replace(Topic, "update_from_cloudformation_json", classmethod(_update_topic))
    replace(Topic, "create_from_cloudformation_json", classmethod(_create_topic))
    replace(Rule, "update_from_cloudformation_json", classmethod(_update_rule))
    replace(Table, "update_from_cloudformation_json", classmethod(_update_table))
    replace(Table, "create_from_cloudformation_json", classmethod(_create_table))
    replace(Queue, "update_from_cloudformation_json", classmethod(_update_queue))
    replace(LogGroup, "update_from_cloudformation_json", classmethod(_update_log_group))
    for model, names in REPLACEMENT_PROPERTIES.items():
        setattr(model, REPLACEMENT_ATTRIBUTE, names)
