"""AWS::SQS::Queue updates apply every property: a dead-letter queue and the retention period
too.

moto's update sets the visibility timeout and the wait time only; a dead-letter queue
(`RedrivePolicy`) or a retention period added or removed later was ignored. A new `FifoQueue`
needs a new queue, as on AWS (`policies.REPLACEMENT_ATTRIBUTE`, read by the stack engine).
Hook: wraps `Queue.update_from_cloudformation_json`; adds the replacement properties.
"""

from __future__ import annotations

from typing import Any

from moto.sqs.models import Queue

from tether.localcloud._patching import add, original, replace
from tether.localcloud.cloudformation.policies import REPLACEMENT_ATTRIBUTE


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
    properties = dict(cloudformation_json.get("Properties") or {})
    queue._setup_dlq(properties.get("RedrivePolicy") or {})  # {}: no dead-letter queue any more
    # SQS's default when the property goes: four days
    queue.message_retention_period = int(properties.get("MessageRetentionPeriod", 345_600))  # type: ignore[attr-defined]
    return queue


def install() -> None:
    replace(Queue, "update_from_cloudformation_json", classmethod(_update_queue))
    add(Queue, REPLACEMENT_ATTRIBUTE, ("FifoQueue",))
