"""Schedules: an EventBridge rule per schedule, with one target per function it triggers."""

from __future__ import annotations

import json

from tether.model import Function, Resource, Schedule, ScheduleTrigger, Trigger
from tether.synth.base import BaseFamily, invoke_permission
from tether.synth.template import Context, Json, get_att, of_resource


class ScheduleFamily(BaseFamily):
    def declare(self, ctx: Context, resource: Resource) -> None:
        assert isinstance(resource, Schedule)
        properties: dict[str, Json] = {
            "Description": f"{ctx.project.name} {ctx.stage}: schedule {resource.name}",
            "ScheduleExpression": resource.expression,
            "State": "ENABLED",
        }
        ctx.add(
            resource.logical_id,
            "AWS::Events::Rule",
            properties,
            owner=of_resource(resource.name),
        )
        ctx.output(
            f"{resource.logical_id}Arn",
            get_att(resource.logical_id, "Arn"),
            f"ARN of schedule {resource.name}",
        )

    def wire(self, ctx: Context, function: Function, trigger: Trigger) -> None:
        assert isinstance(trigger, ScheduleTrigger)
        rule = ctx.resource(trigger.resource)
        target: dict[str, Json] = {"Arn": ctx.function_arn(function), "Id": function.logical_id}
        if trigger.input is not None:
            target["Input"] = json.dumps(trigger.input, sort_keys=True)
        properties = ctx.resources[rule.logical_id]["Properties"]
        properties.setdefault("Targets", []).append(target)
        invoke_permission(
            ctx,
            function,
            f"{function.logical_id}{rule.logical_id}Permission",
            resource=rule.name,
            principal="events.amazonaws.com",
            source_arn=get_att(rule.logical_id, "Arn"),
        )

    def scope_arns(self, ctx: Context, resource: Resource, scope: str) -> list[Json]:
        return []

    def env_value(self, ctx: Context, resource: Resource) -> Json:
        return None
