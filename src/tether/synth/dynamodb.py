"""DynamoDB tables: the table with its indexes and stream, stream triggers, table/index/stream ARNs."""

from __future__ import annotations

from tether.model import Function, Resource, StreamTrigger, Table, Trigger
from tether.synth.base import BaseFamily, event_source_mapping, retention
from tether.synth.template import Context, Json, get_att, of_resource, ref, sub

STREAM_VIEWS = {
    "keys_only": "KEYS_ONLY",
    "new_image": "NEW_IMAGE",
    "old_image": "OLD_IMAGE",
    "new_and_old_images": "NEW_AND_OLD_IMAGES",
}
# Lambda polls a stream with these; each can be scoped to the stream ARN. ListStreams cannot
# (it needs Resource "*") and Lambda does not need it once it has the stream ARN.
STREAM_READ = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")


def _key_schema(key: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    kinds = ("HASH", "RANGE")
    return [{"AttributeName": name, "KeyType": kinds[i]} for i, (name, _) in enumerate(key)]


class TableFamily(BaseFamily):
    def declare(self, ctx: Context, resource: Resource) -> None:
        assert isinstance(resource, Table)
        attributes = dict(resource.key)
        for index in resource.indexes:
            attributes.update(dict(index.key))
        properties: dict[str, Json] = {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": kind}
                for name, kind in sorted(attributes.items())
            ],
            "KeySchema": _key_schema(resource.key),
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "Tags": ctx.tags(),
        }
        if resource.indexes:
            properties["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.key),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in resource.indexes
            ]
        if resource.stream:
            properties["StreamSpecification"] = {"StreamViewType": STREAM_VIEWS[resource.stream]}
        ctx.add(
            resource.logical_id,
            "AWS::DynamoDB::Table",
            properties,
            owner=of_resource(resource.name),
            **retention(resource),
        )
        lid = resource.logical_id
        ctx.output(f"{lid}Name", ref(lid), f"name of table {resource.name}")
        ctx.output(f"{lid}Arn", get_att(lid, "Arn"), f"ARN of table {resource.name}")
        if resource.stream:
            ctx.output(
                f"{lid}StreamArn", get_att(lid, "StreamArn"), f"stream ARN of table {resource.name}"
            )

    def wire(self, ctx: Context, function: Function, trigger: Trigger) -> None:
        assert isinstance(trigger, StreamTrigger)
        table = ctx.resource(trigger.resource)
        event_source_mapping(
            ctx,
            function,
            table,
            logical_id=f"{function.logical_id}{table.logical_id}Stream",
            source_arn=self.scope_arns(ctx, table, "stream")[0],
            batch_size=trigger.batch_size,
            batch_window=trigger.batch_window,
            StartingPosition=trigger.starting_position.upper(),
        )

    def scope_arns(self, ctx: Context, resource: Resource, scope: str) -> list[Json]:
        assert isinstance(resource, Table)
        if resource.is_external:
            arns = {
                "table": resource.external,
                "index": f"{resource.external}/index/*",
                "stream": resource.stream_arn,
            }
            return [arns[scope]] if arns.get(scope) else []
        lid = resource.logical_id
        if scope == "table":
            return [get_att(lid, "Arn")]
        if scope == "index":
            return [sub(f"${{{lid}.Arn}}/index/*")] if resource.indexes else []
        return [get_att(lid, "StreamArn")] if resource.stream else []

    def env_value(self, ctx: Context, resource: Resource) -> Json:
        return resource.external_name if resource.is_external else ref(resource.logical_id)

    def trigger_actions(
        self, ctx: Context, resource: Resource
    ) -> tuple[tuple[str, ...], list[Json]]:
        return (STREAM_READ, self.scope_arns(ctx, resource, "stream"))
