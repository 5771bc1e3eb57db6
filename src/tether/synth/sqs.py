"""SQS queues: the queue, event source mappings that deliver batches, the queue ARN and URL."""

from __future__ import annotations

from tether.model import Function, Queue, QueueTrigger, Resource, Trigger
from tether.synth.base import BaseFamily, event_source_mapping, retention
from tether.synth.template import Context, Json, get_att, of_resource, ref

DEAD_LETTER_RETENTION = 1_209_600  # 14 days, SQS's longest: time to look at what failed

# What Lambda's poller does with the function's role on the queue.
QUEUE_POLL = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
)


def dead_letter_id(queue: Queue) -> str:
    """The logical id of the dead-letter queue Tether creates for `queue`."""
    return f"{queue.logical_id}DeadLetter"


class QueueFamily(BaseFamily):
    def declare(self, ctx: Context, resource: Resource) -> None:
        assert isinstance(resource, Queue)
        lid = resource.logical_id
        properties: dict[str, Json] = {
            "VisibilityTimeout": resource.visibility_timeout,
            "SqsManagedSseEnabled": True,
            "Tags": ctx.tags(),
        }
        if resource.dead_letter_after is not None:
            dead = dead_letter_id(resource)
            ctx.add(
                dead,
                "AWS::SQS::Queue",
                {
                    "MessageRetentionPeriod": DEAD_LETTER_RETENTION,
                    "SqsManagedSseEnabled": True,
                    "Tags": ctx.tags(),
                },
                owner={**of_resource(resource.name), "part": "dead-letter queue"},
                **retention(resource),
            )
            properties["RedrivePolicy"] = {
                "deadLetterTargetArn": get_att(dead, "Arn"),
                "maxReceiveCount": resource.dead_letter_after,
            }
            ctx.output(f"{dead}Url", ref(dead), f"URL of queue {resource.name}'s dead-letter queue")
            ctx.output(
                f"{dead}Arn",
                get_att(dead, "Arn"),
                f"ARN of queue {resource.name}'s dead-letter queue",
            )
        ctx.add(
            lid,
            "AWS::SQS::Queue",
            properties,
            owner=of_resource(resource.name),
            **retention(resource),
        )
        ctx.output(f"{lid}Url", ref(lid), f"URL of queue {resource.name}")
        ctx.output(f"{lid}Arn", get_att(lid, "Arn"), f"ARN of queue {resource.name}")

    def wire(self, ctx: Context, function: Function, trigger: Trigger) -> None:
        assert isinstance(trigger, QueueTrigger)
        queue = ctx.resource(trigger.resource)
        event_source_mapping(
            ctx,
            function,
            queue,
            logical_id=f"{function.logical_id}{queue.logical_id}Mapping",
            source_arn=self.scope_arns(ctx, queue, "queue")[0],
            batch_size=trigger.batch_size,
            batch_window=trigger.batch_window,
        )

    def scope_arns(self, ctx: Context, resource: Resource, scope: str) -> list[Json]:
        return [resource.external if resource.is_external else get_att(resource.logical_id, "Arn")]

    def env_value(self, ctx: Context, resource: Resource) -> Json:
        if not resource.is_external:
            return ref(resource.logical_id)
        assert resource.external is not None
        _, _, _, region, account, name = resource.external.split(":")
        return f"https://sqs.{region}.amazonaws.com/{account}/{name}"

    def trigger_actions(
        self, ctx: Context, resource: Resource
    ) -> tuple[tuple[str, ...], list[Json]]:
        return (QUEUE_POLL, self.scope_arns(ctx, resource, "queue"))
