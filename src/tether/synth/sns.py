"""SNS topics: the topic, Lambda subscriptions with their filter policies, and the topic ARN."""

from __future__ import annotations

import json

from tether.model import Function, Resource, Topic, TopicTrigger, Trigger
from tether.synth.base import BaseFamily, invoke_permission, retention
from tether.synth.template import Context, Json, get_att, of_resource, of_trigger, ref


class TopicFamily(BaseFamily):
    def declare(self, ctx: Context, resource: Resource) -> None:
        assert isinstance(resource, Topic)
        ctx.add(
            resource.logical_id,
            "AWS::SNS::Topic",
            {"Tags": ctx.tags()},
            owner=of_resource(resource.name),
            **retention(resource),
        )
        ctx.output(
            f"{resource.logical_id}Arn", ref(resource.logical_id), f"ARN of topic {resource.name}"
        )
        ctx.output(
            f"{resource.logical_id}Name",
            get_att(resource.logical_id, "TopicName"),
            f"name of topic {resource.name}",
        )

    def wire(self, ctx: Context, function: Function, trigger: Trigger) -> None:
        assert isinstance(trigger, TopicTrigger)
        topic = ctx.resource(trigger.resource)
        topic_arn = self.scope_arns(ctx, topic, "topic")[0]
        properties: dict[str, Json] = {
            "Protocol": "lambda",
            "Endpoint": ctx.function_arn(function),
            "TopicArn": topic_arn,
        }
        if trigger.filter_policy:
            # sorted keys keep the template byte-for-byte stable
            properties["FilterPolicy"] = json.loads(
                json.dumps(trigger.filter_policy, sort_keys=True)
            )
        stem = f"{function.logical_id}{topic.logical_id}"
        ctx.add(
            f"{stem}Subscription",
            "AWS::SNS::Subscription",
            properties,
            owner=of_trigger(function.name, topic.name),
        )
        invoke_permission(
            ctx,
            function,
            f"{stem}Permission",
            resource=topic.name,
            principal="sns.amazonaws.com",
            source_arn=topic_arn,
        )

    def scope_arns(self, ctx: Context, resource: Resource, scope: str) -> list[Json]:
        return [resource.external if resource.is_external else ref(resource.logical_id)]

    def env_value(self, ctx: Context, resource: Resource) -> Json:
        return self.scope_arns(ctx, resource, "topic")[0]
