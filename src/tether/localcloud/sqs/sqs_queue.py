"""AWS::SQS::Queue updates apply every property: a dead-letter queue and the retention period
too.

moto's update sets the visibility timeout and the wait time only; a dead-letter queue
(`RedrivePolicy`) or a retention period added or removed later was ignored. A new `FifoQueue`
needs a new queue, as on AWS (`policies.REPLACEMENT_ATTRIBUTE`, read by the stack engine).
Hook: the model `LocalQueue` (moto's `Queue`, its update wrapped, with the replacement
properties), registered for AWS::SQS::Queue.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.sqs.models import Queue

from tether.localcloud._patching import register_model


def _update_queue(
    cls: type[LocalQueue],
    original_resource: Queue,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Queue:
    queue: Queue = super(LocalQueue, cls).update_from_cloudformation_json(
        original_resource, new_resource_name, cloudformation_json, account_id, region_name
    )
    properties = dict(cloudformation_json.get("Properties") or {})
    queue._setup_dlq(properties.get("RedrivePolicy") or {})  # {}: no dead-letter queue any more
    # SQS's default when the property goes: four days
    queue.message_retention_period = int(properties.get("MessageRetentionPeriod", 345_600))  # type: ignore[attr-defined]
    return queue


class LocalQueue(Queue, CloudFormationModel):
    """AWS::SQS::Queue as the local cloud's CloudFormation updates it: moto's model, registered
    in its place through moto's extension point."""

    tether_replacement_properties = ("FifoQueue",)  # policies.REPLACEMENT_ATTRIBUTE
    update_from_cloudformation_json = classmethod(_update_queue)


def install() -> None:
    register_model(LocalQueue)
