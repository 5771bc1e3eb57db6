"""Shared pieces of the resource families: defaults and the invoke permission of push triggers."""

from __future__ import annotations

from tether.model import Function, Resource
from tether.synth.template import Context, Json, of_trigger, ref


class BaseFamily:
    """Defaults: no poll permissions; subclasses override what their resources need."""

    def trigger_actions(
        self, ctx: Context, resource: Resource
    ) -> tuple[tuple[str, ...], list[Json]]:
        return ((), [])


def invoke_permission(
    ctx: Context,
    function: Function,
    logical_id: str,
    *,
    resource: str,
    principal: str,
    source_arn: Json,
    source_account: bool = False,
) -> str:
    """Let one AWS service invoke `function`, only from `source_arn` (and our account for S3,
    whose ARNs carry no account). Returns the permission's logical ID; adding it twice is a no-op."""
    if logical_id in ctx.resources:
        return logical_id
    properties: dict[str, Json] = {
        "Action": "lambda:InvokeFunction",
        "FunctionName": ref(function.logical_id),
        "Principal": principal,
        "SourceArn": source_arn,
    }
    if source_account:
        properties["SourceAccount"] = ref("AWS::AccountId")
    ctx.add(
        logical_id,
        "AWS::Lambda::Permission",
        properties,
        owner=of_trigger(function.name, resource),
    )
    return logical_id


def event_source_mapping(
    ctx: Context,
    function: Function,
    resource: Resource,
    *,
    logical_id: str,
    source_arn: Json,
    batch_size: int,
    batch_window: int,
    **extra: Json,
) -> None:
    """Lambda polls `source_arn` (a queue or a stream) and hands `function` batches; failed
    records are reported per item (ReportBatchItemFailures), not by failing the whole batch."""
    properties: dict[str, Json] = {
        "EventSourceArn": source_arn,
        "FunctionName": ref(function.logical_id),
        "BatchSize": batch_size,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        **extra,
    }
    if batch_window:
        properties["MaximumBatchingWindowInSeconds"] = batch_window
    ctx.add(
        logical_id,
        "AWS::Lambda::EventSourceMapping",
        properties,
        owner=of_trigger(function.name, resource.name),
    )


def retention(resource: Resource) -> dict[str, str]:
    """`retain: true` keeps the resource in the account when the stack deletes or replaces it."""
    if resource.retain:
        return {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    return {}
