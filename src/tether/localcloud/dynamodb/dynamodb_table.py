"""AWS::DynamoDB::Table updates in place, and point-in-time recovery as the template sets it.

moto has no update for tables at all. Here an update changes the existing table: attribute
definitions, billing mode and throughput, encryption, deletion protection, tags, global
secondary indexes (those changed are deleted and created again), the stream (a new view type
makes a new stream, with a new ARN) and point-in-time recovery (PointInTimeRecoverySpecification,
which moto's create ignores too: a table showed DISABLED where the template enables it). A new
`KeySchema` or `LocalSecondaryIndexes` needs a new table, as on AWS
(`policies.REPLACEMENT_ATTRIBUTE`, read by the stack engine).
Hook: the model `LocalTable` (moto's `Table`, its create wrapped, an update, the replacement
properties), registered for AWS::DynamoDB::Table.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from tether.localcloud._patching import register_model
from tether.localcloud.cloudformation._stack_model import tag_dict


def _update_table(
    cls: type[Table],
    original_resource: Table,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Table:
    properties = dict(cloudformation_json.get("Properties") or {})
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
    table.tags = [{"Key": k, "Value": v} for k, v in tag_dict(properties.get("Tags")).items()]
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
    cls: type[LocalTable],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Table:
    table: Table = super(LocalTable, cls).create_from_cloudformation_json(
        resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    apply_point_in_time_recovery(table, dict(cloudformation_json.get("Properties") or {}))
    return table


class LocalTable(Table, CloudFormationModel):
    """AWS::DynamoDB::Table as the local cloud's CloudFormation creates and updates it: moto's
    model, registered in its place through moto's extension point."""

    # policies.REPLACEMENT_ATTRIBUTE
    tether_replacement_properties = ("KeySchema", "LocalSecondaryIndexes")
    create_from_cloudformation_json = classmethod(_create_table)
    update_from_cloudformation_json = classmethod(_update_table)


def install() -> None:
    register_model(LocalTable)
